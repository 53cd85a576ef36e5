"""What the benchmarks share: production-like settings, PostgreSQL and Redis with a directory of listed
numbers, an approved member with an API key, and gunicorn.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg2

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
    """`count` listed numbers with one contact each, in one operation; then fresh planner statistics."""
    log(f"loading {count:,} listed numbers and their contacts")
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(DIRECTORY_SQL, {"count": count})
            cursor.execute("VACUUM ANALYZE directory_listednumber, directory_contact")
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


def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written to {path.relative_to(ROOT)}")
