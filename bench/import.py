"""A contact import end to end on real servers (see bench/README.md).

Starts PostgreSQL and Redis (scripts/real-servers.sh), loads a directory of listed numbers, writes a
contacts file, starts gunicorn and one Celery worker with two pool processes, then times the import
through the API: the upload, the Redis broker, the worker, until the job's URL says `done`. Checks the
counts against what the file was written to hold. Prints the time, the worker's peak memory and where
the time went; writes bench/out/import.json.

    .venv/bin/python bench/import.py                                # the issue's sizes
    .venv/bin/python bench/import.py --numbers 200000 --rows 50000  # a quick try
"""

import argparse
import os
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, this file's folder is first on sys.path: its helper modules import as they are.
import common
from screening_processes import MachineLoad, MemoryWatch

OUT = common.ROOT / "bench" / "out" / "import.json"
TARGET_SECONDS = 60
TARGET_WORKER_MIB = 512

# What the rows of the file are, by share.
ROW_KINDS = {
    "repeat": 0.10,  # a contact the directory already has (same number, time, channel, operation)
    "listed": 0.45,  # a new contact of a listed number
    "new_number": 0.44,  # a contact of a number not listed yet (new numbers have 1.5 contacts on average)
    "bad": 0.01,  # a number, a time or a channel that cannot be read
}
OPERATION_START = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)  # bench/common.py's operation: 2024-02-01 to 2024-03-15
BAD_ROWS = (
    "n/a,2024-02-03T10:00:00Z,call,Bench operation",
    "2.06555E+09,2024-02-03T10:00:00Z,call,Bench operation",
    "+1 212 555 01234567,2024-02-03T10:00:00Z,text,Bench operation",
    "+12125550123,yesterday,call,Bench operation",
    "+12125550123,2024-02-03T10:00:00,call,Bench operation",
    "+12125550123,2024-02-03T10:00:00Z,fax,Bench operation",
)
TASK_DONE = re.compile(r"Task directory\.tasks\.run_contact_import_task\[[^\]]+\] succeeded in (?P<seconds>[\d.]+)s")
CHECK_LINE = re.compile(r"rows checked in (?P<seconds>[\d.]+) s")
WRITE_LINE = re.compile(r"rows written in (?P<seconds>[\d.]+) s")
DESCRIBE_LINE = re.compile(r"new ones described in (?P<seconds>[\d.]+) s")
IMPORT = common.FileJob(
    "/api/v1/contacts/import/",
    "import",
    "the worker",
    lambda job: f"{job['status']}: {job['progress']['processed']:,} of {job['progress']['total']:,} rows",
    poll_seconds=0.2,
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=5_000_000, help="listed numbers in the directory")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the contacts file")
    parser.add_argument("--seed", type=int, default=1, help="seed of the contacts file")
    parser.add_argument("--batch-rows", type=int, help="CONTACT_IMPORT_BATCH_ROWS for the worker (default: the app's)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the import")
    return parser.parse_args()


def listed(index: int) -> str:
    return f"+1{200 + index // 10000}555{index % 10000:04d}"


def write_contacts_file(path: Path, rows: int, numbers: int, seed: int) -> dict:
    """The file, reproducible from `seed`; returns the counts the import must report."""
    rng = random.Random(seed)
    kinds, weights = list(ROW_KINDS), list(ROW_KINDS.values())
    new_numbers = max(1, int(rows * ROW_KINDS["new_number"] / 1.5))
    seen: set[tuple] = set()
    counts = {"added": 0, "skipped": 0, "rejected": 0}
    with path.open("w") as file:
        file.write("number,occurred_at,channel,operation\n")
        for _ in range(rows):
            kind = rng.choices(kinds, weights)[0]
            if kind == "bad":
                file.write(rng.choice(BAD_ROWS) + "\n")
                counts["rejected"] += 1
                continue
            if kind == "repeat":
                index = rng.randrange(numbers)
                e164, at = listed(index), OPERATION_START + timedelta(days=index % 40)
                channel = "call" if (index + 1) % 2 == 0 else "text"  # as common.DIRECTORY_SQL gives them
                key = (e164, at, channel)
                counts["skipped"] += 1
            else:
                if kind == "listed":
                    e164 = listed(rng.randrange(numbers))
                else:
                    index = rng.randrange(new_numbers)
                    e164 = f"+1{200 + index // 10000}556{index % 10000:04d}"
                minutes = rng.randrange(43 * 24 * 60)
                minutes += minutes % 60 == 0  # never on the hour: no contact of the directory is
                at, channel = OPERATION_START + timedelta(minutes=minutes), rng.choice(("call", "text"))
                key = (e164, at, channel)
                counts["skipped" if key in seen else "added"] += 1
            seen.add(key)
            national = f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
            file.write(f"{rng.choice((e164, national))},{at.isoformat()},{channel},Bench operation\n")
    return counts


def import_env(workdir: Path, options: argparse.Namespace) -> dict:
    """Production-like settings, on the first free ports from 55732 and 56679 (not CI's nor other benchmarks')."""
    env = common.app_env_on_free_ports(workdir, 55732, 56679)
    if options.batch_rows:
        env["CONTACT_IMPORT_BATCH_ROWS"] = str(options.batch_rows)
    return env


def make_staff(env: dict) -> str:
    """A curator with an API key (a member of an approved organization, made staff with the curators' permissions)."""
    key = common.create_member(env, "legal")
    from accounts.models import User
    from accounts.services import grant_curation

    curator = User.objects.get(email="legal@bench.example")
    curator.is_staff = True
    curator.save(update_fields=["is_staff"])
    grant_curation(curator)
    return key


def run_import(base: str, key: str, path: Path, memory: MemoryWatch, timeout: int) -> dict:
    timing = common.upload_and_wait(base, key, path, IMPORT, memory, timeout)
    return {
        "seconds": round(timing["finished"] - timing["started"], 2),
        "upload_request": round(timing["uploaded"] - timing["started"], 2),
        "job": timing["job"],
    }


def where_the_time_went(log: str) -> dict:
    """The import's tasks (one a part) and its parts' batches, summed over the parts: they ran side by side."""
    writes = [float(m["seconds"]) for m in WRITE_LINE.finditer(log)]
    return {
        "part_task_seconds": [round(float(m["seconds"]), 2) for m in TASK_DONE.finditer(log)],
        "batches": len(writes),
        "check_seconds": round(sum(float(m["seconds"]) for m in CHECK_LINE.finditer(log)), 2),
        "write_seconds": round(sum(writes), 2),
        "describe_new_numbers_seconds": round(sum(float(m["seconds"]) for m in DESCRIBE_LINE.finditer(log)), 2),
    }


def benchmark(workdir: Path, env: dict, options: argparse.Namespace) -> dict:
    figures = {"load_average_before": round(os.getloadavg()[0], 2)}
    common.start_servers(workdir, env)
    common.migrate(env)
    common.load_directory(env["DATABASE_URL"], options.numbers)
    contacts = workdir / "contacts.csv"
    common.log(f"writing a contacts file of {options.rows:,} rows")
    figures["expected_counts"] = write_contacts_file(contacts, options.rows, options.numbers, options.seed)
    figures["file_bytes"] = contacts.stat().st_size
    key = make_staff(env)
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    with common.gunicorn_and_celery(env, workdir, port, "/api/v1/operations/", key) as worker:
        load, memory = MachineLoad(common.own_roots(workdir)), MemoryWatch(worker.pid)
        common.log("timing the import")
        load.start()
        figures["import"] = run_import(base, key, contacts, memory, options.timeout)
        figures["machine_during_import"] = load.stop()
        figures["worker_memory"] = memory.summary()
        figures["phases"] = where_the_time_went((workdir / "celery.log").read_text())
    return figures


def report(figures: dict, options: argparse.Namespace) -> dict:
    seconds, counts = figures["import"]["seconds"], figures["import"]["job"]["counts"]
    memory, phases, other = figures["worker_memory"], figures["phases"], figures["machine_during_import"]
    print()
    print(
        f"import of {options.rows:,} rows into {options.numbers:,} listed numbers: {seconds:.1f} s "
        f"({options.rows / seconds:,.0f} rows/s; target < {TARGET_SECONDS} s)"
    )
    print(
        f"upload request: {figures['import']['upload_request']} s; "
        f"the worker's tasks (one a part): {', '.join(f'{seconds} s' for seconds in phases['part_task_seconds'])}"
    )
    print(
        f"{phases['batches']} batches of the parts together: checking rows {phases['check_seconds']} s, "
        f"writing {phases['write_seconds']} s "
        f"(of which describing new numbers {phases['describe_new_numbers_seconds']} s)"
    )
    print(
        f"worker peak memory: {memory['max_mib']} MiB (pool {memory['pool_processes_mib']}, "
        f"main {memory['main_process_mib']}; target < {TARGET_WORKER_MIB})"
    )
    agree = counts == figures["expected_counts"]
    print(f"counts: {counts} ({'as written' if agree else 'the file holds ' + str(figures['expected_counts'])})")
    print(
        f"1-minute load average before: {figures['load_average_before']}; other work during the import: "
        f"{other['other_cpu_seconds']} CPU s, {other['other_share_of_cpus']:.0%} of the CPUs"
    )
    targets = {"time": seconds < TARGET_SECONDS, "memory": memory["max_mib"] < TARGET_WORKER_MIB}
    print("targets:", ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in targets.items()))
    return {"counts_agree": agree, "targets_met": targets}


def main() -> None:
    options = arguments()
    with common.servers_workdir("bench-import-") as workdir:
        env = import_env(workdir, options)
        figures = benchmark(workdir, env, options)
    figures["summary"] = report(figures, options)
    figures["setup"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "listed_numbers": options.numbers,
        "rows": options.rows,
        "row_kinds": ROW_KINDS,
        "seed": options.seed,
        "celery": "one worker, --concurrency=2 (two prefork pool processes)",
        "gunicorn": "2 sync workers",
    }
    common.write_json(OUT, figures)
    if not figures["summary"]["counts_agree"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
