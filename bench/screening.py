"""A screening end to end on real servers, against the reference written by hand (see bench/README.md).

Starts PostgreSQL and Redis (scripts/real-servers.sh), loads a directory of listed numbers,
writes a company list in mixed formats, starts gunicorn and one Celery worker with two pool
processes. Times the reference (bench/screening_reference.py), then the screening through the
API: upload, Redis broker, workers, until the API says `done`. Prints both times, their ratio,
the workers' peak memory and where the screening's time went; writes bench/out/screening.json.

    .venv/bin/python bench/screening.py                                # the issue's sizes
    .venv/bin/python bench/screening.py --numbers 200000 --rows 50000  # a quick try
"""

import argparse
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
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

# Run as a script, this file's folder is first on sys.path: its helper modules import as they are.
from screening_data import ROW_KINDS, load_directory, write_company_list
from screening_processes import (
    BIN,
    ROOT,
    MachineLoad,
    MemoryWatch,
    start_celery,
    start_gunicorn,
    stop,
    task_runs,
    wait_for_celery,
)
from screening_reference import expected_counts, run_reference

OUT = ROOT / "bench" / "out" / "screening.json"

TARGET_RATIO = 0.7
TARGET_WORKER_MIB = 512
POLL_SECONDS = 0.1


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def run(command: list, env: dict, timeout: int) -> str:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=5_000_000, help="listed numbers in the directory")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the company list")
    parser.add_argument("--seed", type=int, default=1, help="seed of the company list")
    parser.add_argument("--chunk-rows", type=int, help="SCREENING_CHUNK_ROWS for the workers (default: the app's)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the screening")
    return parser.parse_args()


def app_env(workdir: Path, options: argparse.Namespace) -> dict:
    """Production-like settings for gunicorn, the worker, manage.py and this process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "NUMBER_HASH_KEY": "bench-only-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # No collectstatic here; whitenoise's warning about it is noise for an API benchmark.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        "VAR_DIR": str(workdir / "var"),
    }
    if options.chunk_rows:
        env["SCREENING_CHUNK_ROWS"] = str(options.chunk_rows)
    return env


def first_free_port(port: int) -> int:
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
        port += 1


def start_servers(workdir: Path, env: dict) -> dict:
    """Start PostgreSQL and Redis; the environment they print, as a dict.

    Their ports are the first free ones from PG_PORT and REDIS_PORT (default 55632 and 56579), away
    from those a CI run (55432, 56379) and bench/lookup.py (55532, 56479) use.
    """
    env["PG_PORT"] = str(first_free_port(int(os.environ.get("PG_PORT", 55632))))
    env["REDIS_PORT"] = str(first_free_port(int(os.environ.get("REDIS_PORT", 56579))))
    try:
        output = run(["bash", "scripts/real-servers.sh", "start", str(workdir)], env, timeout=600)
    except RuntimeError as error:
        pg_log = workdir / "pg.log"
        raise RuntimeError(f"{error}\n{pg_log.read_text()[-2000:] if pg_log.exists() else ''}") from None
    exports = dict(re.findall(r"^export (\w+)=(.*)$", output, re.MULTILINE))
    admin = psycopg2.connect(exports["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE accountability")
    admin.close()
    return exports


def create_member(env: dict, rows: int) -> str:
    """An approved organization with one HR member allowed to screen `rows` rows today; returns the API key."""
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
        daily_screening_row_quota=rows * 2,
    )
    OrganizationDomain.objects.create(organization=organization, domain="bench.example", verified_at=timezone.now())
    user = User.objects.create_user(email="hr@bench.example")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.HR)
    _, key = create_api_key(user=user, name="bench")
    connections.close_all()
    return key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(request: urllib.request.Request, timeout: float) -> dict:
    # Every URL is http://127.0.0.1, built by this script.
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


def get(url: str, key: str, timeout: float = 30) -> dict:
    return call(urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"}), timeout)  # noqa: S310


def upload(base: str, key: str, path: Path) -> dict:
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
    request = urllib.request.Request(base + "/api/v1/screenings/", data=body, headers=headers, method="POST")  # noqa: S310
    return call(request, timeout=600)


def wait_until_up(base: str, key: str, gunicorn: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            get(base + "/api/v1/screenings/", key, timeout=2)
            return
        except urllib.error.HTTPError:
            raise
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def run_screening(base: str, key: str, path: Path, memory: MemoryWatch, timeout: int) -> dict:
    """Upload, then poll the screening until it ends; times in epoch seconds, as the worker's log has them."""
    memory.sample()
    started = time.time()
    created = upload(base, key, path)
    uploaded = time.time()
    log(f"uploaded in {uploaded - started:.1f} s; waiting for the workers")
    url, last_logged, screening = base + created["url"], started, created
    while screening["status"] not in ("done", "failed"):
        if time.time() - started > timeout:
            raise RuntimeError(f"the screening did not end within {timeout} s: {screening}")
        time.sleep(POLL_SECONDS)
        memory.sample()
        screening = get(url, key)
        if time.time() - last_logged >= 10:
            last_logged = time.time()
            progress = screening["progress"]
            log(f"{screening['status']}: {progress['processed']:,} of {progress['total'] or '?'} rows")
    finished = time.time()
    memory.sample()
    if screening["status"] != "done":
        raise RuntimeError(f"the screening failed: {screening['error']}")
    return {"started": started, "uploaded": uploaded, "finished": finished, "screening": screening}


def steps(runs: list[dict]) -> tuple[dict, list[dict], dict]:
    """The prepare task's run, the chunk tasks' runs and the finalize task's run, from the worker's log."""
    by_task = {name: [run for run in runs if run["task"] == name] for name in {run["task"] for run in runs}}
    return by_task["prepare_screening_task"][-1], by_task["process_chunk_task"], by_task["finalize_screening_task"][-1]


def phases(timing: dict, runs: list[dict]) -> dict:
    """Where the screening's wall time went, in seconds."""
    prepare, chunks, finalize = steps(runs)
    first_chunk, last_chunk = min(run["started"] for run in chunks), max(run["ended"] for run in chunks)
    chunk_seconds = [run["seconds"] for run in chunks]
    return {
        "upload_request": round(timing["uploaded"] - timing["started"], 2),
        "queued_before_prepare": round(prepare["started"] - timing["uploaded"], 2),
        "prepare": round(prepare["seconds"], 2),
        "chunks_wall": round(last_chunk - first_chunk, 2),
        "chunks": len(chunks),
        "chunk_mean": round(sum(chunk_seconds) / len(chunk_seconds), 2),
        "chunk_max": round(max(chunk_seconds), 2),
        "chunk_seconds_summed": round(sum(chunk_seconds), 2),
        "between_prepare_and_first_chunk": round(first_chunk - prepare["ended"], 2),
        "between_last_chunk_and_finalize": round(finalize["started"] - last_chunk, 2),
        "finalize": round(finalize["seconds"], 2),
        "seen_done_after_finalize": round(timing["finished"] - finalize["ended"], 2),
    }


def memory_by_step(runs: list[dict], memory: MemoryWatch) -> dict:
    """The largest pool process's resident memory (MiB) sampled while each step ran."""
    prepare, chunks, finalize = steps(runs)
    return {
        "prepare": memory.largest_between(prepare["started"], prepare["ended"]),
        "chunks": memory.largest_between(min(run["started"] for run in chunks), max(run["ended"] for run in chunks)),
        "finalize": memory.largest_between(finalize["started"], finalize["ended"]),
    }


def own_roots(workdir: Path) -> set[int]:
    """The processes whose descendants are this benchmark's: this script, PostgreSQL's postmaster, Redis."""
    postmaster = int((workdir / "pg" / "postmaster.pid").read_text().split()[0])
    return {os.getpid(), postmaster, int((workdir / "redis.pid").read_text())}


def benchmark(workdir: Path, env: dict, options: argparse.Namespace) -> dict:
    figures = {"load_average_before": round(os.getloadavg()[0], 2)}
    log("starting PostgreSQL and Redis")
    env.update(start_servers(workdir, env))
    log("migrating")
    run([BIN / "python", "manage.py", "migrate", "--noinput"], env, timeout=600)
    log(f"loading {options.numbers:,} listed numbers and their contacts")
    loading = time.perf_counter()
    load_directory(env["DATABASE_URL"], options.numbers)
    log(f"loaded in {time.perf_counter() - loading:.0f} s; writing a company list of {options.rows:,} rows")
    company_list = workdir / "company-list.csv"
    figures["file_bytes"] = write_company_list(company_list, options.rows, options.numbers, options.seed)
    key = create_member(env, options.rows)
    port = free_port()
    base, celery_log = f"http://127.0.0.1:{port}", workdir / "celery.log"
    log(f"starting gunicorn on {base} and a Celery worker with 2 pool processes")
    gunicorn, worker = start_gunicorn(env, port, workdir), start_celery(env, workdir)
    try:
        wait_until_up(base, key, gunicorn)
        wait_for_celery(worker, celery_log)
        load = MachineLoad(own_roots(workdir))
        log("timing the reference: phonenumbers on every row, COPY, one join")
        load.start()
        figures["reference"] = run_reference(company_list, env["DATABASE_URL"])
        figures["machine_during_reference"] = load.stop()
        log(f"reference: {figures['reference']['seconds']} s; timing the screening")
        memory = MemoryWatch(worker.pid)
        load.start()
        timing = run_screening(base, key, company_list, memory, options.timeout)
        figures["machine_during_screening"] = load.stop()
        runs, screening = task_runs(celery_log), timing["screening"]
        figures["worker_memory"] = {
            **memory.summary(),
            "largest_pool_process_by_step_mib": memory_by_step(runs, memory),
        }
        figures["screening"] = {
            "seconds": round(timing["finished"] - timing["started"], 2),
            "rows": screening["progress"]["total"],
            "counts": screening["counts"],
            "phases": phases(timing, runs),
        }
    except Exception:
        for name in ("gunicorn.log", "celery.out", "celery.log"):
            if (workdir / name).exists():
                print(f"--- {name}\n" + (workdir / name).read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        stop(gunicorn)
        stop(worker)
    return figures


def report(figures: dict) -> dict:
    screening, reference, memory = figures["screening"], figures["reference"], figures["worker_memory"]
    ratio = screening["seconds"] / reference["seconds"]
    expected = expected_counts(reference)
    counts_agree = all(screening["counts"].get(outcome) == count for outcome, count in expected.items())
    print()
    print(f"{'':<11}{'seconds':>9}{'rows/s':>10}")
    for name, row in (("screening", screening), ("reference", reference)):
        print(f"{name:<11}{row['seconds']:>9.1f}{row['rows'] / row['seconds']:>10.0f}")
    print(f"ratio screening/reference: {ratio:.2f} (target <= {TARGET_RATIO})")
    parse, copy, join = reference["parse_seconds"], reference["copy_seconds"], reference["join_seconds"]
    print(f"reference: parse {parse} s, COPY {copy} s, join {join} s")
    print("screening phases (s):", ", ".join(f"{name} {value}" for name, value in screening["phases"].items()))
    print(
        f"worker peak memory: {memory['max_mib']} MiB (pool processes {memory['pool_processes_mib']}, "
        f"main {memory['main_process_mib']}; target <= {TARGET_WORKER_MIB})"
    )
    by_step = memory["largest_pool_process_by_step_mib"]
    print("largest pool process while each step ran (MiB):", ", ".join(f"{k} {v}" for k, v in by_step.items()))
    agreement = "the same as the reference's" if counts_agree else f"the reference expects {expected}"
    print(f"outcome counts: {screening['counts']} ({agreement})")
    print(f"1-minute load average before the run: {figures['load_average_before']:.2f}")
    for name in ("reference", "screening"):
        other = figures[f"machine_during_{name}"]
        print(
            f"other work on this machine during the {name}: {other['other_cpu_seconds']} CPU s, "
            f"{other['other_share_of_cpus']:.0%} of its CPUs"
        )
    targets_met = {"ratio": ratio <= TARGET_RATIO, "memory": memory["max_mib"] <= TARGET_WORKER_MIB}
    print("targets:", ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in targets_met.items()))
    if not counts_agree:
        print("WARNING: the screening's outcome counts differ from the reference's", file=sys.stderr)
    return {"ratio": round(ratio, 3), "counts_agree": counts_agree, "targets_met": targets_met}


def setup_description(options: argparse.Namespace) -> dict:
    from django.conf import settings

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "listed_numbers": options.numbers,
        "company_rows": options.rows,
        "row_kinds": ROW_KINDS,
        "seed": options.seed,
        "chunk_rows": settings.SCREENING_CHUNK_ROWS,
        "celery": "one worker, --concurrency=2 (two prefork pool processes)",
        "gunicorn": "2 sync workers",
    }


def main() -> None:
    options = arguments()
    # A TERM (e.g. from a time limit) still runs the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="bench-screening-"))
    env = app_env(workdir, options)
    try:
        figures = benchmark(workdir, env, options)
    finally:
        log("stopping PostgreSQL and Redis")
        subprocess.run(["bash", "scripts/real-servers.sh", "stop", str(workdir)], env=env, cwd=ROOT, timeout=120)
        shutil.rmtree(workdir, ignore_errors=True)
    summary = report(figures)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"setup": setup_description(options), **figures, **summary}, indent=2) + "\n")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
