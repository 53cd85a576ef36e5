import pytest
from django.core.cache import cache

from directory.models import ListedNumber
from directory.services import set_number_status
from lib.private_sets import pack_setup, shard_of, unpack_setup
from private_screening import setups, tasks
from private_screening.models import PrivateSetup, SetupShard

pytestmark = pytest.mark.django_db


def test_every_shard_is_built_once_even_when_its_task_runs_twice(directory, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # drive the steps by hand, as redelivered messages would
    setup, indexes = setups.start_build()
    assert [setups.build_shard(setup.pk, index) for index in indexes] == [True] * len(indexes)
    assert [setups.build_shard(setup.pk, index) for index in indexes] == [False] * len(indexes)
    assert setups.finish_build(setup.pk) is True and setups.finish_build(setup.pk) is False
    setup.refresh_from_db()
    assert setup.listed_count == ListedNumber.objects.matchable().count()
    assert setup.size == sum(len(message) for message in SetupShard.objects.values_list("message", flat=True))


def test_each_shard_holds_the_listed_numbers_the_client_looks_for_in_it(directory):
    listed = set(ListedNumber.objects.matchable().values_list("e164", flat=True))
    by_shard = [set(setups.listed_in_shard(index, 8)) for index in range(8)]
    assert set().union(*by_shard) == listed
    assert all(shard_of(e164, 8) == index for index, numbers in enumerate(by_shard) for e164 in numbers)


def test_a_rebuild_is_needed_only_when_the_directory_or_the_key_changed(directory, build_setup, settings):
    build_setup()
    assert not setups.needs_build()
    set_number_status(number=ListedNumber.objects.matchable().first(), status=ListedNumber.Status.UNDER_REVIEW)
    assert setups.needs_build()
    build_setup()
    assert not setups.needs_build()
    settings.PSI_KEY_BYTES = bytes(range(32))
    assert setups.needs_build() and setups.current_setup() is None


def test_changes_close_together_share_one_rebuild(directory, build_setup, django_capture_on_commit_callbacks):
    build_setup()
    numbers = list(ListedNumber.objects.matchable()[:3])
    with django_capture_on_commit_callbacks(execute=True):
        for number in numbers:
            set_number_status(number=number, status=ListedNumber.Status.UNDER_REVIEW)
    # The first change queued a refresh (run at once here, after all three were committed); the others found it queued.
    assert PrivateSetup.objects.count() == 2
    assert not setups.needs_build()


def test_the_version_before_the_newest_is_kept_for_downloads_under_way(directory, build_setup):
    first, second, third = build_setup(), build_setup(), build_setup()
    assert set(PrivateSetup.objects.values_list("pk", flat=True)) == {second, third}
    assert first not in PrivateSetup.objects.values_list("pk", flat=True)


def test_the_setup_download_reads_back_as_it_was_packed():
    header, shards = {"shard_sizes": [3, 0, 2], "version": 1}, [b"abc", b"", b"de"]
    assert unpack_setup(pack_setup(header, shards)) == (header, shards)


def test_a_refresh_without_a_broker_does_not_fail_the_change(directory, build_setup, settings, monkeypatch):
    from kombu.exceptions import OperationalError

    def no_broker(*args, **kwargs):
        raise OperationalError("no broker")

    monkeypatch.setattr(tasks.refresh_setup_task, "apply_async", no_broker)
    tasks.queue_refresh(60)  # logged, not raised
    assert cache.get(tasks.REBUILD_QUEUED) is None  # the next change tries again
