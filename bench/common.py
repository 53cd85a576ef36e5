"""What the benchmarks share: production-like settings, PostgreSQL and Redis with a directory of listed
numbers, an approved member with an API key, gunicorn and the Celery worker, and the API calls that upload a
file and wait for the job it starts.

Listed number i is +1 (200 + i // 10000) 555 (i % 10000), with one contact in one operation.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg2
from screening_processes import MemoryWatch

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

DIRECTORY_SQL = """
SET synchronous_commit = off;
INSERT INTO directory_operation
    (name, partner_agency, city, region, country, started_on, ended_on, description, created_at, updated_at)
VALUES ('Bench operation', 'Bench agency', 'Seattle', 'WA', 'US', '2024-02-01', '2024-03-15', '', now(), now());
INSERT INTO directory_listednumber
    (e164, region, number_type, status, status_reason, first_contact_at, last_contact_at, contact_count,
     created_at, updated_at)
SELECT '+1' || (200 + i / 10000) || '555' || lpad((i %% 10000)::text, 4, '0'), 'US', 'fixed_line_or_mobile',
       'listed', '', day, day, 1, now(), now()
FROM generate_series(0, %(count)s - 1) AS i,
     LATERAL (SELECT timestamptz '2024-02-01 12:00+00' + (i %% 40) * interval '1 day' AS day) AS contact;
INSERT INTO directory_contact
    (number_id, operation_id, occurred_at, channel, case_reference, notes, recorded_by_id, created_at)
SELECT listed.id, (SELECT id FROM directory_operation WHERE name = 'Bench operation'), listed.first_contact_at,
       CASE WHEN listed.id %% 2 = 0 THEN 'call' ELSE 'text' END, '', '', NULL, now()
FROM directory_listednumber AS listed;
"""


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def run(command: list, env: dict, timeout: int) -> str:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def app_env(workdir: Path, settings_module: str) -> dict:
    """Production-like settings for gunicorn, the workers, manage.py and this process."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "NUMBER_HASH_KEY": "bench-only-" + os.urandom(16).hex(),
        "PSI_KEY": os.urandom(32).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # No collectstatic here; whitenoise's warning about it is noise for an API benchmark.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        "VAR_DIR": str(workdir / "var"),
    }


@contextmanager
def servers_workdir(prefix: str) -> Iterator[Path]:
    """A temporary folder for the servers' data and the logs; on leaving, the servers are stopped and it is removed.

    A TERM (e.g. from a time limit) leaves it the same way.
    """
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield workdir
    finally:
        log("stopping PostgreSQL and Redis")
        subprocess.run(["bash", "scripts/real-servers.sh", "stop", str(workdir)], cwd=ROOT, timeout=120)
        shutil.rmtree(workdir, ignore_errors=True)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_free_port(port: int) -> int:
    while port_in_use(port):
        port += 1
    return port


def app_env_on_free_ports(workdir: Path, pg_port: int, redis_port: int) -> dict:
    """app_env's settings (config.settings), with PostgreSQL and Redis on the first free ports from PG_PORT and
    REDIS_PORT, or when those are not set from `pg_port` and `redis_port`: each benchmark has its own, away from CI's.
    """
    return {
        **app_env(workdir, "config.settings"),
        "PG_PORT": str(first_free_port(int(os.environ.get("PG_PORT", pg_port)))),
        "REDIS_PORT": str(first_free_port(int(os.environ.get("REDIS_PORT", redis_port)))),
    }


def start_servers(workdir: Path, env: dict) -> None:
    """Start PostgreSQL and Redis on env's PG_PORT and REDIS_PORT and create the database; env gets their URLs."""
    log("starting PostgreSQL and Redis")
    try:
        output = run(["bash", "scripts/real-servers.sh", "start", str(workdir)], env, timeout=600)
    except RuntimeError as error:
        pg_log = workdir / "pg.log"
        raise RuntimeError(f"{error}\n{pg_log.read_text()[-2000:] if pg_log.exists() else ''}") from None
    env.update(re.findall(r"^export (\w+)=(.*)$", output, re.MULTILINE))
    admin = psycopg2.connect(env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE accountability")
    admin.close()


def migrate(env: dict) -> None:
    log("migrating")
    run([BIN / "python", "manage.py", "migrate", "--noinput"], env, timeout=600)


def load_directory(database_url: str, count: int) -> None:
    """`count` listed numbers with one contact each, in one operation; then fresh planner statistics, and a
    checkpoint: the load's gigabytes of changes are written out before the timing starts, not during it."""
    log(f"loading {count:,} listed numbers and their contacts")
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(DIRECTORY_SQL, {"count": count})
            cursor.execute("VACUUM ANALYZE directory_listednumber, directory_contact")
            cursor.execute("CHECKPOINT")
    finally:
        connection.close()


def create_member(env: dict, role: str, name: str = "bench", **quotas: int) -> str:
    """An approved organization with a verified domain and one member of `role`; returns the member's API key.

    `name` names it (and its domain, `<name>.example`); `quotas` are the organization's daily
    quotas the benchmark needs (e.g. daily_lookup_quota).
    """
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from accounts.models import Membership, Organization, OrganizationDomain, User
    from accounts.services import create_api_key

    domain = f"{name}.example"
    organization = Organization.objects.create(
        name=f"{name.title()} Org",
        status=Organization.Status.APPROVED,
        approved_at=timezone.now(),
        **quotas,
    )
    OrganizationDomain.objects.create(organization=organization, domain=domain, verified_at=timezone.now())
    user = User.objects.create_user(email=f"{role}@{domain}")
    Membership.objects.create(user=user, organization=organization, role=role)
    _, key = create_api_key(user=user, name="bench")
    connections.close_all()
    return key


def start(command: list, env: dict, output: Path) -> subprocess.Popen:
    """A process in a session of its own, so that stopping it stops its children too; its output goes to a file."""
    with output.open("ab") as file:
        return subprocess.Popen(
            command, env=env, cwd=ROOT, start_new_session=True, stdout=file, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_gunicorn(env: dict, port: int, workdir: Path, *options: str) -> subprocess.Popen:
    command = [
        BIN / "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        *options,
        "--log-level=warning",
        f"--error-logfile={workdir / 'gunicorn.log'}",
    ]
    return start(command, env, workdir / "gunicorn.log")


def start_celery(env: dict, workdir: Path) -> subprocess.Popen:
    """One worker with two pool processes, as docker-compose.yml runs it; INFO logs give each task's time."""
    command = [
        BIN / "celery",
        "-A",
        "config",
        "worker",
        "--concurrency=2",
        "--loglevel=INFO",
        f"--logfile={workdir / 'celery.log'}",
        "--hostname=bench@%h",
    ]
    return start(command, env, workdir / "celery.out")


def wait_for_celery(worker: subprocess.Popen, log_file: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError("the Celery worker exited at start-up")
        if log_file.exists() and " ready." in log_file.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker was not ready within {timeout:.0f} s")


def wait_until_up(gunicorn: subprocess.Popen, request: Callable[[], object]) -> None:
    """Repeat `request` until gunicorn answers it; an HTTP error is an answer, and a failure."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            request()
            return
        except urllib.error.HTTPError:
            raise
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def print_log_tails(workdir: Path, *names: str) -> None:
    for name in names:
        if (workdir / name).exists():
            print(f"--- {name}\n" + (workdir / name).read_text()[-4000:], file=sys.stderr)


@contextmanager
def gunicorn_and_celery(env: dict, workdir: Path, port: int, probe_path: str, key: str) -> Iterator[subprocess.Popen]:
    """gunicorn (2 sync workers) on `port` and one Celery worker; yields the worker once both are ready.

    gunicorn is ready when it answers a GET of `probe_path` with `key`. An error inside prints the ends of their
    logs before it goes on; on leaving, both are stopped.
    """
    gunicorn = start_gunicorn(env, port, workdir, "--workers=2", "--timeout=300")
    worker = start_celery(env, workdir)
    try:
        wait_until_up(gunicorn, lambda: get(f"http://127.0.0.1:{port}{probe_path}", key, timeout=2))
        wait_for_celery(worker, workdir / "celery.log")
        yield worker
    except Exception:
        print_log_tails(workdir, "gunicorn.log", "celery.out", "celery.log")
        raise
    finally:
        stop(gunicorn)
        stop(worker)


def own_roots(workdir: Path) -> set[int]:
    """The processes whose descendants are this benchmark's: this script, PostgreSQL's postmaster, Redis."""
    postmaster = int((workdir / "pg" / "postmaster.pid").read_text().split()[0])
    return {os.getpid(), postmaster, int((workdir / "redis.pid").read_text())}


def call(request: urllib.request.Request, timeout: float) -> dict:
    # Every URL is http://127.0.0.1, built by the benchmarks.
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


def get(url: str, key: str, timeout: float = 30) -> dict:
    return call(urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"}), timeout)  # noqa: S310


def upload(base: str, key: str, path: Path, endpoint: str = "/api/v1/screenings/") -> dict:
    """POST the file as a browser would (multipart/form-data) and return the 202 answer."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'.encode(),
            b"Content-Type: text/csv\r\n\r\n",
            path.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(base + endpoint, data=body, headers=headers, method="POST")  # noqa: S310
    return call(request, timeout=600)


@dataclass(frozen=True)
class FileJob:
    """An API endpoint that takes a file and starts a background job, and how a benchmark waits for the job."""

    endpoint: str
    name: str  # in errors: "the <name> failed"
    waiting_for: str  # logged after the upload: "waiting for <waiting_for>"
    progress: Callable[[dict], str]  # the line logged every 10 s, from the job's state
    poll_seconds: float


def upload_and_wait(base: str, key: str, path: Path, job_kind: FileJob, memory: MemoryWatch, timeout: int) -> dict:
    """Upload the file, then poll the job it started until it ends, sampling the worker's memory at each poll.

    Returns the job's last state and when it was started, uploaded and seen ended, in epoch seconds as the
    worker's log has them.
    """
    memory.sample()
    started = time.time()
    created = upload(base, key, path, job_kind.endpoint)
    uploaded = time.time()
    log(f"uploaded in {uploaded - started:.1f} s; waiting for {job_kind.waiting_for}")
    url, last_logged, job = base + created["url"], started, created
    while job["status"] not in ("done", "failed"):
        if time.time() - started > timeout:
            raise RuntimeError(f"the {job_kind.name} did not end within {timeout} s: {job}")
        time.sleep(job_kind.poll_seconds)
        memory.sample()
        job = get(url, key)
        if time.time() - last_logged >= 10:
            last_logged = time.time()
            log(job_kind.progress(job))
    finished = time.time()
    memory.sample()
    if job["status"] != "done":
        raise RuntimeError(f"the {job_kind.name} failed: {job['error']}")
    return {"started": started, "uploaded": uploaded, "finished": finished, "job": job}


def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written to {path.relative_to(ROOT)}")
