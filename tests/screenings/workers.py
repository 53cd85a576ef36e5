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


def worker_env(var_dir: Path | None = None, **settings) -> dict:
    """The environment of a process on a machine of its own: it shares only PostgreSQL (and the broker)."""
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SCREENING_CHUNK_ROWS": str(CHUNK_ROWS),
        **({"VAR_DIR": str(var_dir)} if var_dir else {}),
        **{name: str(value) for name, value in settings.items()},
    }


def start_worker(name: str, var_dir: Path | None = None, log: Path | None = None, **settings) -> subprocess.Popen:
    """A worker process as on a machine of its own: it shares only PostgreSQL and Redis with the tests.

    `var_dir` gives it a VAR_DIR of its own, `log` a log file at INFO level (one line per task done),
    and `settings` more environment variables.
    """
    env = worker_env(var_dir, **settings)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        "2",
        "--loglevel",
        "INFO" if log else "WARNING",
        *(["--logfile", str(log)] if log else []),
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


def company_list(samples, copies: int = 40) -> bytes:
    """A list of 500 rows a copy (20,000 by default): sample numbers in many shapes, repeats far apart, junk."""
    sample = (samples / "lists" / "plain_utf8.csv").read_text().splitlines()[1:]
    lines = ["employee_id,phone"]
    for copy in range(copies):
        for line in sample:
            label, phone = line.split(",", 1)
            lines.append(f"{label}-{copy},{phone if copy % 3 else phone.replace('-', ' ')}")
    return ("\r\n".join(lines) + "\r\n").encode()


def snapshot(screening_id):
    screening = Screening.objects.get(pk=screening_id)
    rows = list(
        ScreeningResult.objects.filter(screening_id=screening_id)
        .order_by("row")
        .values_list("row", "input", "label", "e164", "outcome", "reason", "first_row", "evidence", "detail")
    )
    return screening.status, screening.counts, screening.processed_rows, screening.total_rows, rows


def run_screening(membership, data: bytes) -> str:
    screening = services.create_screening(membership=membership, filename="phones.csv", data=data)
    return str(screening.pk)


def finished(screening_id) -> bool:
    return Screening.objects.get(pk=screening_id).is_finished


def screen_on_own_worker(name: str, membership, data: bytes) -> str:
    """Screen `data` on a worker started for it, stopped when the screening has ended; returns its id."""
    worker = start_worker(name)
    try:
        screening_id = run_screening(membership, data)
        assert wait_until(lambda: finished(screening_id), timeout=300), f"the screening on {name} did not finish"
    finally:
        stop(worker)
    return screening_id


def pool_processes(worker: subprocess.Popen) -> list[int]:
    """The worker's pool processes: the children of its main process, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == worker.pid:
            children.append(int(stat.parent.name))
    return children


def run_python(env: dict, code: str) -> None:
    """Run Python with the project set up in another process, e.g. to queue tasks on that process's broker."""
    script = f"import django\ndjango.setup()\n{code}"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
