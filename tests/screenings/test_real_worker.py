"""A screening through Redis and real Celery worker processes against PostgreSQL,
with a worker killed (SIGKILL) in the middle: the results must equal an undisturbed run."""

import signal
import time

import pytest

from directory.importing import import_contacts
from screenings.models import Screening
from screenings.tasks import requeue_stalled_screenings_task
from tests.screenings.workers import (
    company_list,
    finished,
    run_screening,
    snapshot,
    start_worker,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_loses_and_doubles_nothing(real_broker, samples, hr, settings):
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    data = company_list(samples)

    worker = start_worker("steady")
    try:
        steady = run_screening(hr.membership, data)
        assert wait_until(lambda: finished(steady), timeout=300), "the undisturbed run did not finish"
    finally:
        stop(worker)
    expected = snapshot(steady)
    assert expected[0] == "done" and expected[2] == 20_000

    victim = start_worker("victim")
    disturbed = run_screening(hr.membership, data)
    try:
        in_the_middle = wait_until(
            lambda: 0 < Screening.objects.get(pk=disturbed).processed_rows < 10_000, timeout=120, interval=0.01
        )
        assert in_the_middle, "the job never got going"
    finally:
        stop(victim, signal.SIGKILL)
    assert not finished(disturbed)

    survivor = start_worker("survivor")
    try:
        settings.SCREENING_STALL_SECONDS = 1
        time.sleep(1.5)
        requeue_stalled_screenings_task()  # what beat runs every minute
        assert wait_until(lambda: finished(disturbed), timeout=300), "the disturbed run did not finish"
    finally:
        stop(survivor)
    got = snapshot(disturbed)
    assert got[:4] == expected[:4]
    assert got[4] == expected[4]
