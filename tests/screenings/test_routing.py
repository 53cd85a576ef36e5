import pytest

from screenings import routing, services

pytestmark = pytest.mark.django_db


def test_short_lists_go_to_the_interactive_queue_and_long_ones_to_bulk(settings):
    settings.SCREENING_INTERACTIVE_ROWS = 1000
    assert routing.queue_for_rows(1000) == routing.INTERACTIVE
    assert routing.queue_for_rows(1001) == routing.BULK


def test_a_screenings_work_follows_the_rows_it_was_charged_for(hr, settings):
    settings.SCREENING_INTERACTIVE_ROWS = 2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    short = services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n2065550100\n")
    long = services.create_screening(
        membership=hr.membership, filename="b.csv", data=b"2065550101\n2065550102\n2065550103\n"
    )
    assert routing.queue_for(str(short.pk)) == routing.INTERACTIVE
    assert routing.queue_for(str(long.pk)) == routing.BULK


def test_every_worker_consumes_both_queues(settings):
    """A worker started without -Q takes every queue the settings declare."""
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == {routing.INTERACTIVE, routing.BULK}
    assert settings.CELERY_TASK_DEFAULT_QUEUE == routing.INTERACTIVE


def test_the_chunks_of_a_file_that_hid_its_size_go_to_bulk_once_past_the_limit(settings):
    settings.SCREENING_INTERACTIVE_ROWS = 1000
    settings.SCREENING_CHUNK_ROWS = 500
    assert [routing.chunk_queue(routing.INTERACTIVE, index) for index in range(3)] == [
        routing.INTERACTIVE,
        routing.INTERACTIVE,
        routing.BULK,
    ]
