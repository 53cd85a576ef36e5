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
import statistics
import subprocess
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, this file's folder is first on sys.path: the shared helpers import as they are.
import common

OUT = common.ROOT / "bench" / "out" / "lookup.json"
LUA = common.ROOT / "bench" / "lookup.lua"

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


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    common.log("installing wrk")
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    installed = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=apt, capture_output=True, timeout=300)
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=apt, check=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=apt, check=True, timeout=300)


def lookup_env(workdir: Path) -> dict:
    """The production-like settings, on PG_PORT and REDIS_PORT (default 55532 and 56479); rate limits never refuse."""
    return {
        **common.app_env(workdir, "bench.settings"),
        "PG_PORT": os.environ.get("PG_PORT", "55532"),
        "REDIS_PORT": os.environ.get("REDIS_PORT", "56479"),
        "LOOKUP_REQUESTS_PER_MINUTE": str(HUGE_RATE),
        "LOOKUP_NUMBERS_PER_MINUTE": str(HUGE_RATE),
    }


def ensure_port_free(port: int) -> None:
    """A server already there would be used (and stopped) by mistake: Redis starts without complaint."""
    if common.port_in_use(port):
        raise RuntimeError(f"port {port} is in use; choose others with PG_PORT and REDIS_PORT")


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
    output = common.run(command, dict(os.environ), timeout=seconds + 60)
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
    ensure_port_free(int(env["PG_PORT"]))
    ensure_port_free(int(env["REDIS_PORT"]))
    common.start_servers(workdir, env)
    common.migrate(env)
    common.load_directory(env["DATABASE_URL"], NUMBERS)
    key = common.create_member(env, "legal", daily_lookup_quota=HUGE_QUOTA)
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    common.log(f"starting gunicorn on {base}: {WORKERS} {WORKER_CLASS} workers x {THREADS} threads")
    options = (f"--workers={WORKERS}", f"--worker-class={WORKER_CLASS}", f"--threads={THREADS}")
    gunicorn = common.start_gunicorn(env, port, workdir, *options)
    try:
        common.wait_until_up(gunicorn, lambda: post(base + "/bench/floor/", key, {}, timeout=2))
        check_answers(base, key)
        endpoints = {"floor": base + "/bench/floor/", "lookup": base + "/api/v1/lookups/"}
        common.log(f"warming up, {WARMUP} s per endpoint")
        for url in endpoints.values():
            run_wrk(url, key, WARMUP)
        figures = {"load_average_before": load_before}
        for name, url in endpoints.items():
            common.log(f"measuring {name} for {DURATION} s")
            figures[name] = run_wrk(url, key, DURATION)
        common.log(f"timing {BATCHES} batches of {BATCH_SIZE}")
        figures["batch"] = measure_batches(base + "/api/v1/lookups/batch/", key)
    except Exception:
        common.print_log_tails(workdir, "gunicorn.log")
        raise
    finally:
        common.stop(gunicorn)
    return figures


def main() -> None:
    ensure_wrk()
    with common.servers_workdir("bench-lookup-") as workdir:
        figures = benchmark(workdir, lookup_env(workdir))
    summary = report(figures)
    common.write_json(OUT, {"setup": setup_description(), **figures, **summary})


if __name__ == "__main__":
    main()
