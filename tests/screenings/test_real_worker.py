"""A screening through Redis and real Celery worker processes against PostgreSQL,
with a worker killed (SIGKILL) in the middle: the results must equal an undisturbed run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app as celery_app
from directory.importing import import_contacts
from screenings import services
from screenings.models import Screening, ScreeningResult
from screenings.tasks import requeue_stalled_screenings_task

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CHUNK_ROWS = 500


@pytest.fixture
def real_broker():
    """Tasks go to the real broker for this test instead of running in the test process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def start_worker(name: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SCREENING_CHUNK_ROWS": str(CHUNK_ROWS),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        "2",
        "--pool",
        "prefork",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 - our own worker


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def company_list(samples) -> bytes:
    """A 40,000-row list: sample numbers in many shapes, repeats far apart, junk."""
    sample = (samples / "lists" / "plain_utf8.csv").read_text().splitlines()[1:]
    lines = ["employee_id,phone"]
    for copy in range(80):
        for line in sample:
            label, phone = line.split(",", 1)
            lines.append(f"{label}-{copy},{phone if copy % 3 else phone.replace('-', ' ')}")
    return ("\r\n".join(lines) + "\r\n").encode()


def snapshot(screening_id):
    screening = Screening.objects.get(pk=screening_id)
    rows = list(
        ScreeningResult.objects.filter(screening_id=screening_id)
        .order_by("row")
        .values_list("row", "input", "label", "e164", "outcome", "reason", "evidence")
    )
    return screening.status, screening.counts, screening.processed_rows, screening.total_rows, rows


def run_screening(membership, data: bytes) -> str:
    screening = services.create_screening(membership=membership, filename="phones.csv", data=data)
    return str(screening.pk)


def finished(screening_id) -> bool:
    return Screening.objects.get(pk=screening_id).is_finished


def test_a_killed_worker_loses_and_doubles_nothing(real_broker, samples, hr, settings):
    import_contacts((samples / "contacts.csv").read_bytes())
    data = company_list(samples)

    worker = start_worker("steady")
    try:
        steady = run_screening(hr.membership, data)
        assert wait_until(lambda: finished(steady), timeout=300), "the undisturbed run did not finish"
    finally:
        stop(worker)
    expected = snapshot(steady)
    assert expected[0] == "done" and expected[2] == 40_000

    victim = start_worker("victim")
    disturbed = run_screening(hr.membership, data)
    try:
        in_the_middle = wait_until(
            lambda: 0 < Screening.objects.get(pk=disturbed).processed_rows < 20_000, timeout=120, interval=0.01
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
