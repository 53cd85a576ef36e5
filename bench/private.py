"""Private screening on real servers, beside the ordinary screening of the same lists (see bench/README.md).

Starts PostgreSQL and Redis, loads a directory of listed numbers, starts gunicorn and one Celery worker
with two pool processes. For each directory size: the set-up built by the workers (time and size).
Then, against the largest directory, for each list size: the command-line client end to end (time and
peak memory, in a process of its own) and the ordinary screening of the same file through the API.
Writes bench/out/private.json.

    .venv/bin/python bench/private.py                                       # the issue's sizes
    .venv/bin/python bench/private.py --numbers 100000 --rows 10000         # a quick try
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

# Run as a script, this file's folder is first on sys.path: its helper modules import as they are.
import common
from screening import SCREENING
from screening_data import write_company_list
from screening_processes import MachineLoad, MemoryWatch

OUT = common.ROOT / "bench" / "out" / "private.json"
CLIENT_RUN = (
    "import resource, sys\n"
    "from private_screening_client.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, nargs="+", default=[1_000_000, 5_000_000], help="directory sizes")
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="list sizes")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for a build or a screening")
    return parser.parse_args()


def measured(load: MachineLoad, step, *args) -> dict:
    """A step's figures, with the machine's CPU time during it: this benchmark's own, and other users'."""
    load.start()
    figures = step(*args)
    machine = load.stop()
    own = round(machine["cpu_seconds"] - machine["other_cpu_seconds"], 1)
    return {**figures, "own_cpu_seconds": own, "other_share_of_cpus": machine["other_share_of_cpus"]}


def build_setup(timeout: int) -> dict:
    """Queue a new set-up version to the workers and wait until it is ready."""
    from private_screening import tasks
    from private_screening.models import PrivateSetup

    started = time.time()
    setup_id = tasks.start_build()
    while PrivateSetup.objects.filter(pk=setup_id, status=PrivateSetup.Status.READY).count() == 0:
        if time.time() - started > timeout:
            raise RuntimeError(f"the set-up was not built within {timeout} s")
        time.sleep(0.5)
    setup = PrivateSetup.objects.get(pk=setup_id)
    shards = list(setup.shards.values_list("claimed_at", "built_at"))
    return {
        "seconds": round(time.time() - started, 1),
        "bytes": setup.size,
        "mib": round(setup.size / 2**20, 1),
        "listed": setup.listed_count,
        "shards": setup.shard_count,
        "slowest_shard_seconds": round(max((built - claimed).total_seconds() for claimed, built in shards), 1),
    }


def run_client(base: str, key: str, path: Path, workdir: Path) -> dict:
    env = {**os.environ, "DIRECTORY_API_KEY": key, "PYTHONPATH": f"{common.ROOT / 'client'}:{common.ROOT}"}
    output, cache = workdir / f"{path.stem}-private.csv", workdir / "client-cache"
    command = [common.BIN / "python", "-c", CLIENT_RUN, str(path), "--url", base, "--output", str(output)]
    started = time.time()
    done = subprocess.run(  # noqa: S603 - our own interpreter and client
        [*command, "--cache-dir", str(cache)], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.time() - started
    if done.returncode:
        raise RuntimeError(f"the client failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    peak = int(done.stderr.rsplit("peak_kib", 1)[1].split()[0])
    return {
        "seconds": round(seconds, 1),
        "peak_mib": round(peak / 1024),
        "stored_counts": result_counts(output),
        "summary": done.stdout.splitlines(),
    }


def ordinary(base: str, key: str, path: Path, worker_pid: int, timeout: int) -> dict:
    """The same list screened on the site; `stored_counts` are the rows it keeps by outcome, as in the client's
    result file (a repeat of a number with no match is counted but not kept)."""
    from django.db.models import Count

    from screenings.models import ScreeningResult

    timing = common.upload_and_wait(base, key, path, SCREENING, MemoryWatch(worker_pid), timeout)
    stored = ScreeningResult.objects.filter(screening_id=timing["job"]["id"]).order_by().values("outcome")
    return {
        "seconds": round(timing["finished"] - timing["started"], 1),
        "counts": timing["job"]["counts"],
        "stored_counts": {row["outcome"]: row["rows"] for row in stored.annotate(rows=Count("pk"))},
    }


def benchmark(workdir: Path, env: dict, options: argparse.Namespace) -> dict:
    figures = {"load_average_before": round(os.getloadavg()[0], 2), "setups": {}, "lists": {}}
    common.start_servers(workdir, env)
    common.migrate(env)
    largest = max(options.rows)
    key = common.create_member(
        env, "hr", daily_screening_row_quota=100 * largest, daily_lookup_quota=100 * largest
    )  # also sets this process up with Django on the benchmark's database
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    with common.gunicorn_and_celery(env, workdir, port, "/api/v1/screenings/", key) as worker:
        load = MachineLoad(common.own_roots(workdir))
        loaded = 0
        for numbers in sorted(options.numbers):
            add_listed(env["DATABASE_URL"], loaded, numbers)
            loaded = numbers
            common.log(f"building the set-up of {numbers:,} listed numbers")
            figures["setups"][numbers] = measured(load, build_setup, options.timeout)
            common.log(f"set-up: {figures['setups'][numbers]}")
            common.write_json(OUT, figures)
        for rows in sorted(options.rows):
            path = workdir / f"list-{rows}.csv"
            write_company_list(path, rows, loaded, seed=1)
            common.log(f"{rows:,} rows: the client")
            private = measured(load, run_client, base, key, path, workdir)
            common.log(f"client: {private['seconds']} s, {private['peak_mib']} MiB; the ordinary screening")
            figures["lists"][rows] = {
                "private": private,
                "ordinary": measured(load, ordinary, base, key, path, worker.pid, options.timeout),
            }
            same = figures["lists"][rows]["ordinary"]["stored_counts"] == private["stored_counts"]
            figures["lists"][rows]["same_outcomes"] = same
            common.log(f"ordinary: {figures['lists'][rows]['ordinary']['seconds']} s")
            common.write_json(OUT, figures)
    return figures


def add_listed(database_url: str, loaded: int, numbers: int) -> None:
    """Grow the directory to `numbers`, each with its contact: the first load is bench/common's, later ones
    add the numbers after it."""
    if not loaded:
        common.load_directory(database_url, numbers)
        return
    import psycopg2

    common.log(f"adding listed numbers {loaded:,} to {numbers:,} and their contacts")
    numbers_sql, contacts_sql = common.DIRECTORY_SQL.split("INSERT INTO directory_listednumber", 1)[1].split(
        "INSERT INTO directory_contact"
    )
    numbers_sql = "INSERT INTO directory_listednumber" + numbers_sql.replace(
        "generate_series(0,", f"generate_series({loaded},"
    )
    contacts_sql = "INSERT INTO directory_contact" + contacts_sql.replace(
        "FROM directory_listednumber AS listed;",
        "FROM directory_listednumber AS listed WHERE listed.id > (SELECT max(number_id) FROM directory_contact);",
    )
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(numbers_sql + contacts_sql, {"count": numbers})
        cursor.execute("ANALYZE directory_listednumber, directory_contact")


def result_counts(path: Path) -> dict:
    """Rows by outcome in a result file (the rows a screening stores: every outcome but no_match)."""
    with path.open(newline="", encoding="utf-8") as file:
        outcomes = [row["outcome"] for row in csv.DictReader(file) if row.get("outcome")]
    return {outcome: outcomes.count(outcome) for outcome in set(outcomes)}


def main() -> None:
    options = arguments()
    with common.servers_workdir("bench-private-") as workdir:
        figures = benchmark(workdir, common.app_env_on_free_ports(workdir, 55732, 56679), options)
    figures["setup_description"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(json.dumps(figures, indent=2))
    common.write_json(OUT, figures)


if __name__ == "__main__":
    main()
