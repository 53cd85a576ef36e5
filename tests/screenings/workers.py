"""Real Celery worker processes for the tests of .ci/run's second pass (PostgreSQL, Redis)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from screenings import services
from screenings.models import Screening, ScreeningResult

ROOT = Path(__file__).resolve().parents[2]
CHUNK_ROWS = 500


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
    """Stop a worker and its pool; one that does not stop within 30 seconds is killed."""
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def company_list(samples) -> bytes:
    """A 20,000-row list: sample numbers in many shapes, repeats far apart, junk."""
    sample = (samples / "lists" / "plain_utf8.csv").read_text().splitlines()[1:]
    lines = ["employee_id,phone"]
    for copy in range(40):
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
