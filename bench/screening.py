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
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, this file's folder is first on sys.path: its helper modules import as they are.
import common
from screening_data import ROW_KINDS, write_company_list
from screening_processes import MachineLoad, MemoryWatch, task_runs
from screening_reference import expected_counts, run_reference

OUT = common.ROOT / "bench" / "out" / "screening.json"

TARGET_RATIO = 0.5
TARGET_WORKER_MIB = 256


def screening_progress(screening: dict) -> str:
    progress = screening["progress"]  # its total is unknown until the prepare task has counted the rows
    return f"{screening['status']}: {progress['processed']:,} of {progress['total'] or '?'} rows"


SCREENING = common.FileJob("/api/v1/screenings/", "screening", "the workers", screening_progress, poll_seconds=0.1)


def screening_arguments(description: str, rows_help: str) -> argparse.ArgumentParser:
    """The options every screening benchmark takes: directory size, list size, chunk size, patience."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--numbers", type=int, default=5_000_000, help="listed numbers in the directory")
    parser.add_argument("--rows", type=int, default=1_000_000, help=rows_help)
    parser.add_argument("--chunk-rows", type=int, help="SCREENING_CHUNK_ROWS for the workers (default: the app's)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for a screening")
    return parser


def arguments() -> argparse.Namespace:
    parser = screening_arguments(__doc__.split("\n\n")[0], "rows in the company list")
    parser.add_argument("--seed", type=int, default=1, help="seed of the company list")
    return parser.parse_args()


def screening_env(workdir: Path, options: argparse.Namespace) -> dict:
    """The production-like settings, on the first free ports from PG_PORT and REDIS_PORT (default 55632 and 56579).

    Those are away from the ports a CI run (55432, 56379) and bench/lookup.py (55532, 56479) use.
    """
    env = common.app_env_on_free_ports(workdir, 55632, 56579)
    if options.chunk_rows:
        env["SCREENING_CHUNK_ROWS"] = str(options.chunk_rows)
    return env


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


def benchmark(workdir: Path, env: dict, options: argparse.Namespace) -> dict:
    figures = {"load_average_before": round(os.getloadavg()[0], 2)}
    common.start_servers(workdir, env)
    common.migrate(env)
    loading = time.perf_counter()
    common.load_directory(env["DATABASE_URL"], options.numbers)
    common.log(f"loaded in {time.perf_counter() - loading:.0f} s; writing a company list of {options.rows:,} rows")
    company_list = workdir / "company-list.csv"
    figures["file_bytes"] = write_company_list(company_list, options.rows, options.numbers, options.seed)
    key = common.create_member(env, "hr", daily_screening_row_quota=options.rows * 2)
    port = common.free_port()
    base, celery_log = f"http://127.0.0.1:{port}", workdir / "celery.log"
    common.log(f"starting gunicorn on {base} and a Celery worker with 2 pool processes")
    with common.gunicorn_and_celery(env, workdir, port, "/api/v1/screenings/", key) as worker:
        load = MachineLoad(common.own_roots(workdir))
        common.log("timing the reference: phonenumbers on every row, COPY, one join")
        load.start()
        figures["reference"] = run_reference(company_list, env["DATABASE_URL"])
        figures["machine_during_reference"] = load.stop()
        common.log(f"reference: {figures['reference']['seconds']} s; timing the screening")
        memory = MemoryWatch(worker.pid)
        load.start()
        timing = common.upload_and_wait(base, key, company_list, SCREENING, memory, options.timeout)
        figures["machine_during_screening"] = load.stop()
        runs, screening = task_runs(celery_log), timing["job"]
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
    with common.servers_workdir("bench-screening-") as workdir:
        figures = benchmark(workdir, screening_env(workdir, options), options)
    summary = report(figures)
    common.write_json(OUT, {"setup": setup_description(options), **figures, **summary})


if __name__ == "__main__":
    main()
