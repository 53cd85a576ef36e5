"""Lookup throughput and latency against a floor, on real servers (see bench/README.md).

Starts PostgreSQL and Redis (scripts/real-servers.sh), loads a directory of
listed numbers, starts gunicorn with the bench settings and measures with wrk:
authenticated single lookups against `POST /bench/floor/`, an endpoint that
authenticates the same way and does nothing else. Then times batches of 1,000
numbers. Prints the figures and writes them to bench/out/lookup.json.

Knobs (environment): BENCH_NUMBERS, BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS,
BENCH_WRK_THREADS, BENCH_WORKERS, BENCH_WORKER_CLASS, BENCH_THREADS, BENCH_BATCHES,
PG_PORT, REDIS_PORT.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "bench" / "out" / "lookup.json"
LUA = ROOT / "bench" / "lookup.lua"

NUMBERS = int(os.environ.get("BENCH_NUMBERS", 1_000_000))
DURATION = int(os.environ.get("BENCH_DURATION", 15))
WARMUP = int(os.environ.get("BENCH_WARMUP", 5))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 32))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", 2))
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", 1))
BATCHES = int(os.environ.get("BENCH_BATCHES", 20))
BATCH_SIZE = 1000

TARGET_RATIO = 0.6
TARGET_BATCH_MS = 300

# Quota and rate limits are still counted on every request, but never refuse one.
HUGE_QUOTA = 2_000_000_000
HUGE_RATE = 1_000_000_000


def listed_number(i: int, exchange: str = "555") -> str:
    """The i-th listed number; exchange 556 gives its unlisted twin (same layout as bench/lookup.lua)."""
    return f"+1{200 + i // 10000}{exchange}{i % 10000:04d}"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def run(command: list, env: dict, timeout: int) -> str:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("installing wrk")
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    installed = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=apt, capture_output=True, timeout=300)
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=apt, check=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=apt, check=True, timeout=300)


def app_env(workdir: Path) -> dict:
    """Production-like settings for gunicorn, manage.py and this process."""
    return {
        **os.environ,
        "PG_PORT": os.environ.get("PG_PORT", "55532"),
        "REDIS_PORT": os.environ.get("REDIS_PORT", "56479"),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "NUMBER_HASH_KEY": "bench-only-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOOKUP_RATE_PER_MINUTE": str(HUGE_RATE),
        "LOG_LEVEL": "WARNING",
        # No collectstatic here; whitenoise's warning about it is noise for an API benchmark.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        "VAR_DIR": str(workdir / "var"),
    }


def ensure_port_free(port: int) -> None:
    """A server already there would be used (and stopped) by mistake: Redis starts without complaint."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use; choose others with PG_PORT and REDIS_PORT")


def start_servers(workdir: Path, env: dict) -> dict:
    """Start PostgreSQL and Redis; the environment they print, as a dict."""
    ensure_port_free(int(env["PG_PORT"]))
    ensure_port_free(int(env["REDIS_PORT"]))
    output = run(["bash", "scripts/real-servers.sh", "start", str(workdir)], env, timeout=600)
    exports = dict(re.findall(r"^export (\w+)=(.*)$", output, re.MULTILINE))
    admin = psycopg2.connect(exports["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE accountability")
    admin.close()
    return exports


LOAD_SQL = """
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


def load_directory(database_url: str) -> None:
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(LOAD_SQL, {"count": NUMBERS})
            cursor.execute("VACUUM ANALYZE directory_listednumber, directory_contact")
    finally:
        connection.close()


def create_member(env: dict) -> str:
    """An approved organization with one legal member and its API key; returns the key."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from accounts.models import Membership, Organization, OrganizationDomain, User
    from accounts.services import create_api_key

    organization = Organization.objects.create(
        name="Bench Org",
        status=Organization.Status.APPROVED,
        approved_at=timezone.now(),
        daily_lookup_quota=HUGE_QUOTA,
    )
    OrganizationDomain.objects.create(organization=organization, domain="bench.example", verified_at=timezone.now())
    user = User.objects.create_user(email="legal@bench.example")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.LEGAL)
    _, key = create_api_key(user=user, name="bench")
    connections.close_all()
    return key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict, port: int, workdir: Path) -> subprocess.Popen:
    command = [
        BIN / "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        f"--worker-class={WORKER_CLASS}",
        f"--threads={THREADS}",
        "--log-level=warning",
        f"--error-logfile={workdir / 'gunicorn.log'}",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def post(url: str, key: str, body: dict, timeout: float = 30) -> tuple[dict, float]:
    """The decoded JSON answer and the time it took in milliseconds."""
    # The URL is always http://127.0.0.1, built by this script.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Api-Key {key}"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        payload = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return json.loads(payload), elapsed


def wait_until_up(base: str, key: str, gunicorn: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            post(base + "/bench/floor/", key, {}, timeout=2)
            return
        except urllib.error.HTTPError:
            raise
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def check_answers(base: str, key: str) -> None:
    """The load is only meaningful if listed numbers match and the others do not."""
    listed, _ = post(base + "/api/v1/lookups/", key, {"number": listed_number(NUMBERS - 1)})
    unlisted, _ = post(base + "/api/v1/lookups/", key, {"number": listed_number(NUMBERS - 1, "556")})
    if (listed["outcome"], unlisted["outcome"]) != ("match", "no_match"):
        raise RuntimeError(f"unexpected outcomes: {listed} / {unlisted}")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, key: str, seconds: int) -> dict:
    command = [
        "wrk",
        f"--threads={WRK_THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={LUA}",
        url,
        "--",
        key,
        str(NUMBERS),
    ]
    output = run(command, dict(os.environ), timeout=seconds + 60)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if non_2xx or socket_errors:
        raise RuntimeError(f"wrk saw failed requests against {url}:\n{output}")
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99_ms": to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def measure_batches(url: str, key: str) -> dict:
    """BATCHES sequential batches of 1,000 distinct numbers, half listed, after two untimed ones."""
    timings = []
    for attempt in range(BATCHES + 2):
        picks = random.sample(range(NUMBERS), BATCH_SIZE)
        numbers = [listed_number(i, "555" if n % 2 else "556") for n, i in enumerate(picks)]
        answer, elapsed = post(url, key, {"numbers": numbers})
        outcomes = [result["outcome"] for result in answer["results"]]
        if outcomes.count("match") != BATCH_SIZE // 2 or outcomes.count("no_match") != BATCH_SIZE // 2:
            raise RuntimeError(f"unexpected batch outcomes: {sorted(set(outcomes))}")
        if attempt >= 2:
            timings.append(elapsed)
    return {
        "size": BATCH_SIZE,
        "requests": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(statistics.quantiles(timings, n=20, method="inclusive")[18], 1),
    }


def report(figures: dict) -> dict:
    floor, lookup, batch = figures["floor"], figures["lookup"], figures["batch"]
    ratio = lookup["requests_per_second"] / floor["requests_per_second"]
    print()
    print(f"{'':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in (("floor", floor), ("lookup", lookup)):
        rps, p50, p99 = row["requests_per_second"], row["p50_ms"], row["p99_ms"]
        print(f"{name:<10}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}")
    print(f"ratio lookup/floor: {ratio:.2f} (target >= {TARGET_RATIO})")
    median, p95 = batch["median_ms"], batch["p95_ms"]
    print(f"batch of {BATCH_SIZE}: median {median} ms, p95 {p95} ms (target < {TARGET_BATCH_MS})")
    targets_met = {"ratio": ratio >= TARGET_RATIO, "batch": batch["median_ms"] < TARGET_BATCH_MS}
    print(f"1-minute load average before the run (other work on this machine): {figures['load_average_before']:.2f}")
    print("targets:", ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in targets_met.items()))
    return {"ratio": round(ratio, 3), "targets_met": targets_met}


def setup_description() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "listed_numbers": NUMBERS,
        "connections": CONNECTIONS,
        "wrk_threads": WRK_THREADS,
        "duration_s": DURATION,
        "warmup_s": WARMUP,
        "gunicorn": {"workers": WORKERS, "worker_class": WORKER_CLASS, "threads": THREADS},
    }


def benchmark(workdir: Path, env: dict) -> dict:
    # Other work on the machine skews the figures: record it, before this run adds its own.
    load_before = round(os.getloadavg()[0], 2)
    log("starting PostgreSQL and Redis")
    env.update(start_servers(workdir, env))
    log("migrating")
    run([BIN / "python", "manage.py", "migrate", "--noinput"], env, timeout=300)
    log(f"loading {NUMBERS:,} listed numbers and their contacts")
    load_directory(env["DATABASE_URL"])
    key = create_member(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log(f"starting gunicorn on {base}: {WORKERS} {WORKER_CLASS} workers x {THREADS} threads")
    gunicorn = start_gunicorn(env, port, workdir)
    try:
        wait_until_up(base, key, gunicorn)
        check_answers(base, key)
        endpoints = {"floor": base + "/bench/floor/", "lookup": base + "/api/v1/lookups/"}
        log(f"warming up, {WARMUP} s per endpoint")
        for url in endpoints.values():
            run_wrk(url, key, WARMUP)
        figures = {"load_average_before": load_before}
        for name, url in endpoints.items():
            log(f"measuring {name} for {DURATION} s")
            figures[name] = run_wrk(url, key, DURATION)
        log(f"timing {BATCHES} batches of {BATCH_SIZE}")
        figures["batch"] = measure_batches(base + "/api/v1/lookups/batch/", key)
    except Exception:
        log_file = workdir / "gunicorn.log"
        if log_file.exists():
            print(log_file.read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        stop_gunicorn(gunicorn)
    return figures


def main() -> None:
    # A TERM (e.g. from a time limit) still runs the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    env = app_env(workdir)
    try:
        figures = benchmark(workdir, env)
    finally:
        log("stopping PostgreSQL and Redis")
        subprocess.run(["bash", "scripts/real-servers.sh", "stop", str(workdir)], env=env, cwd=ROOT, timeout=120)
        shutil.rmtree(workdir, ignore_errors=True)
    summary = report(figures)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"setup": setup_description(), **figures, **summary}, indent=2) + "\n")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
