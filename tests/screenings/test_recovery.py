from datetime import timedelta

import pytest
from django.utils import timezone

from lib.limits import quota_use
from screenings import pipeline, recovery, services
from screenings.models import Screening, ScreeningChunk, ScreeningResult, WatchedNumber
from screenings.tasks import requeue_stalled_screenings_task

pytestmark = pytest.mark.django_db

LIST = b"phone\n2065550100\n2065550101\n2065550102\n2065550103\n"


@pytest.fixture
def split_screening(hr, settings):
    """A screening split into two chunks whose tasks were never run (their messages were lost)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SCREENING_CHUNK_ROWS = 2
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=LIST)
    assert pipeline.prepare_screening(str(screening.pk)) == [0, 1]
    return screening


def long_ago(seconds: int):
    return timezone.now() - timedelta(seconds=seconds)


def test_a_chunk_whose_worker_died_is_noticed_within_two_minutes_by_default(split_screening, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ScreeningChunk.objects.filter(screening=split_screening).update(started_at=long_ago(100), attempts=1)
    requeue_stalled_screenings_task()
    split_screening.refresh_from_db()
    assert split_screening.status == Screening.Status.DONE
    assert split_screening.processed_rows == 4


def test_a_chunk_that_kills_its_worker_is_not_retried_forever(split_screening, settings):
    ScreeningChunk.objects.filter(screening=split_screening, index=1).update(
        started_at=long_ago(settings.SCREENING_STALL_SECONDS + 1), attempts=settings.SCREENING_MAX_ATTEMPTS
    )
    assert recovery.stalled_chunks() == []
    split_screening.refresh_from_db()
    assert split_screening.status == Screening.Status.FAILED
    assert "stopped a worker 5 times" in split_screening.error
    assert not ScreeningChunk.objects.filter(screening=split_screening).exists()
    assert not ScreeningResult.objects.filter(screening=split_screening).exists()


def test_a_chunk_under_the_cap_is_sent_again(split_screening, settings):
    ScreeningChunk.objects.filter(screening=split_screening, index=1).update(
        started_at=long_ago(settings.SCREENING_STALL_SECONDS + 1), attempts=settings.SCREENING_MAX_ATTEMPTS - 1
    )
    assert (str(split_screening.pk), 1) in recovery.stalled_chunks()


@pytest.mark.parametrize(("attempts", "status"), [(4, Screening.Status.QUEUED), (5, Screening.Status.FAILED)])
def test_a_preparation_that_kills_its_worker_is_retried_up_to_the_cap(hr, settings, attempts, status):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=LIST)
    Screening.objects.filter(pk=screening.pk).update(
        status=Screening.Status.RUNNING,
        heartbeat_at=long_ago(settings.SCREENING_STALL_SECONDS + 1),
        prepare_attempts=attempts,
    )
    recovery.stalled_preparations()
    screening.refresh_from_db()
    assert screening.status == status
    if status == Screening.Status.FAILED:
        assert "stopped a worker 5 times" in screening.error


def test_a_preparation_that_stores_chunks_keeps_its_lease(hr, settings):
    """A long split is alive as long as it stores chunks: its heartbeat moves with each one."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SCREENING_CHUNK_ROWS = 1
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=LIST)
    beats = []

    def on_chunk(index):
        beats.append(Screening.objects.values_list("heartbeat_at", flat=True).get(pk=screening.pk))

    pipeline.prepare_screening(str(screening.pk), on_chunk=on_chunk)
    assert len(beats) == 4
    assert beats == sorted(beats) and beats[0] < beats[-1]


def test_a_redelivered_chunk_that_kills_its_worker_stops_at_the_cap(split_screening, settings):
    """The broker hands a chunk whose worker died straight back (acks late): its start time is always new,
    so the attempts themselves must stop it."""
    ScreeningChunk.objects.filter(screening=split_screening, index=0).update(attempts=settings.SCREENING_MAX_ATTEMPTS)
    assert pipeline.process_chunk(str(split_screening.pk), 0) is False
    split_screening.refresh_from_db()
    assert split_screening.status == Screening.Status.FAILED
    assert "stopped a worker 5 times" in split_screening.error


def test_a_preparation_declared_dead_while_alive_stops_and_charges_nothing_twice(hr, org, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SCREENING_CHUNK_ROWS = 1
    data = b"2065550100\n2065550101\n2065550102\n2065550103\n"  # no header: an estimate of 4
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    Screening.objects.filter(pk=screening.pk).update(charged_rows=0)  # as if the estimate had said nothing

    def replaced_at_its_first_chunk(index):
        if index == 0:  # the periodic requeue declared this preparation dead; another worker redoes it
            Screening.objects.filter(pk=screening.pk).update(status=Screening.Status.QUEUED)
            assert pipeline.prepare_screening(str(screening.pk)) == [0, 1, 2, 3]

    assert pipeline.prepare_screening(str(screening.pk), on_chunk=replaced_at_its_first_chunk) == []
    screening.refresh_from_db()
    assert (screening.status, screening.total_rows, screening.charged_rows) == ("running", 4, 4)
    assert quota_use(org)["screened_rows"] == 4 + 4  # the upload's estimate, then the rows read
    assert ScreeningChunk.objects.filter(screening=screening).count() == 4


def test_failing_a_screening_that_is_done_leaves_its_results(split_screening, settings):
    for index in (0, 1):
        pipeline.process_chunk(str(split_screening.pk), index)
    assert pipeline.finalize_screening(str(split_screening.pk))
    ScreeningResult.objects.create(screening=split_screening, chunk_index=0, row=9, input="x", outcome="invalid")
    pipeline.fail_screening(str(split_screening.pk), "a late give-up")
    split_screening.refresh_from_db()
    assert split_screening.status == Screening.Status.DONE
    assert ScreeningResult.objects.filter(screening=split_screening).exists()


def test_a_failed_screening_watches_no_number(hr, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=LIST, monitor=True)
    [index] = pipeline.prepare_screening(str(screening.pk))
    pipeline.process_chunk(str(screening.pk), index)
    assert WatchedNumber.objects.filter(watch__screening=screening).count() == 4
    pipeline.fail_screening(str(screening.pk), "stopped")
    assert not WatchedNumber.objects.filter(watch__screening=screening).exists()


def test_an_estimate_charged_on_another_day_is_not_given_back_today(hr, org, settings):
    """A refund lands on the day the estimate was charged, never on a new day's fresh count."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=LIST)
    Screening.objects.filter(pk=screening.pk).update(charged_rows=1000, created_at=long_ago(86_400))
    pipeline.prepare_screening(str(screening.pk))
    assert quota_use(org)["screened_rows"] == 4  # today's count is not taken below what was charged today
