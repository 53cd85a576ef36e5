"""Fault injection in the real-server pass: Redis restarted and PostgreSQL connections dropped
in the middle of a screening. The job ends with exactly the undisturbed results."""

import os
import shutil
import subprocess
import time
from urllib.parse import urlparse

import pytest
from django.db import connection

from directory.importing import import_contacts
from screenings.models import Screening
from screenings.tasks import requeue_stalled_screenings_task
from tests.screenings import workers

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


def redis_port() -> int:
    return urlparse(os.environ["CELERY_BROKER_URL"]).port


def restart_redis() -> None:
    """Shut the broker down (its queued messages are lost: it keeps nothing on disk) and start it again."""
    port = str(redis_port())
    subprocess.run([shutil.which("redis-cli"), "-p", port, "shutdown", "nosave"], check=False, capture_output=True)  # noqa: S603
    time.sleep(1)
    subprocess.run(  # noqa: S603
        [
            shutil.which("redis-server"),
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
        ],
        check=True,
        capture_output=True,
    )
    ping = [shutil.which("redis-cli"), "-p", port, "ping"]

    def answers() -> str:
        return subprocess.run(ping, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603

    assert workers.wait_until(lambda: answers() == "PONG", timeout=10)


def drop_worker_connections() -> int:
    """Terminate every other PostgreSQL connection to the test database (the workers')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def in_progress(screening_id) -> bool:
    return 0 < Screening.objects.get(pk=screening_id).processed_rows < 15_000


@pytest.fixture
def undisturbed(real_broker, samples, hr):
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    return workers.snapshot(workers.screen_on_own_worker("steady", hr.membership, workers.company_list(samples)))


def finish_after_fault(hr, samples, settings, fault) -> tuple:
    """Run a screening, inject the fault mid-way and let the system recover as deployed.

    A worker that exits is started again, as docker compose's restart policy and `make run`'s
    supervisor do: kombu's Redis transport can end the worker with "Unrecoverable error" when the
    broker goes away under it, and the screening must still end exact.
    """
    started = [workers.start_worker("faulty")]
    try:
        screening_id = workers.run_screening(hr.membership, workers.company_list(samples))
        assert workers.wait_until(lambda: in_progress(screening_id), timeout=120, interval=0.01)
        fault()
        settings.SCREENING_STALL_SECONDS = 1
        deadline = time.monotonic() + 300
        while not workers.finished(screening_id) and time.monotonic() < deadline:
            time.sleep(2)
            if started[-1].poll() is not None:
                started.append(workers.start_worker("faulty"))
            requeue_stalled_screenings_task()  # what beat runs every 30 seconds
        assert workers.finished(screening_id), "the job did not finish after the fault"
    finally:
        for worker in started:
            workers.stop(worker)
    return workers.snapshot(screening_id)


def test_redis_restarted_during_a_screening(undisturbed, hr, samples, settings):
    assert finish_after_fault(hr, samples, settings, restart_redis) == undisturbed


def test_postgres_connections_dropped_during_chunks(undisturbed, hr, samples, settings):
    def drop():
        assert drop_worker_connections() > 0

    assert finish_after_fault(hr, samples, settings, drop) == undisturbed
