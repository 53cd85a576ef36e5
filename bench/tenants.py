"""Many organizations at once, on real servers (see bench/README.md).

Two organizations each screen a 1,000,000-row list; then a third uploads a 1,000-row list while a fourth
makes 20 single lookups a second. Times the short list from its upload to `done`, the lookups' latency,
and the two long lists together against the same two run one after the other (first, alone, in this run).
One Celery worker with two pool processes and gunicorn with two workers, as in bench/screening.py.

    .venv/bin/python bench/tenants.py                                 # the issue's sizes
    .venv/bin/python bench/tenants.py --numbers 200000 --rows 100000  # a quick try
"""

import argparse
import json
import statistics
import threading
import time
import urllib.request

import common
from screening import screening_arguments, screening_env
from screening_data import write_company_list

OUT = common.ROOT / "bench" / "out" / "tenants.json"
TARGETS = {"short_list_seconds": 5.0, "lookup_p99_ms": 100.0, "long_lists_ratio": 1.1}
LOOKUPS_PER_SECOND = 20


def arguments() -> argparse.Namespace:
    parser = screening_arguments(__doc__.split("\n\n")[0], "rows in each long list")
    parser.add_argument("--short-rows", type=int, default=1_000, help="rows in the short list")
    return parser.parse_args()


def wait_done(base: str, key: str, created: dict, timeout: int) -> float:
    """Poll one screening until it ends; the time it was seen done."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        screening = common.get(base + created["url"], key)
        if screening["status"] == "done":
            return time.time()
        if screening["status"] == "failed":
            raise RuntimeError(f"a screening failed: {screening['error']}")
        time.sleep(0.05)
    raise RuntimeError(f"a screening did not end within {timeout} s")


def screen_together(base: str, uploads: list[tuple[str, object]], timeout: int) -> float:
    """Upload every (key, path) at once; seconds until the last is done."""
    started = time.time()
    created = [(key, common.upload(base, key, path)) for key, path in uploads]
    return max(wait_done(base, key, answer, timeout) for key, answer in created) - started


class Lookups(threading.Thread):
    """Single lookups at a steady rate from one member, each timed, until stopped."""

    def __init__(self, base: str, key: str):
        super().__init__(daemon=True)
        self.base, self.key, self.stopped, self.latencies_ms, self.errors = base, key, threading.Event(), [], 0

    def run(self) -> None:
        body = json.dumps({"number": "+12065550100"}).encode()
        headers = {"Authorization": f"Api-Key {self.key}", "Content-Type": "application/json"}
        interval, next_at = 1 / LOOKUPS_PER_SECOND, time.perf_counter()
        while not self.stopped.is_set():
            request = urllib.request.Request(self.base + "/api/v1/lookups/", data=body, headers=headers)  # noqa: S310
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - http://127.0.0.1 only
                    self.latencies_ms.append((time.perf_counter() - began) * 1000)
            except OSError:
                self.errors += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)
        return {
            "count": len(ordered),
            "errors": self.errors,
            "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 1),
        }


def benchmark(workdir, env: dict, options: argparse.Namespace) -> dict:
    common.start_servers(workdir, env)
    common.migrate(env)
    common.load_directory(env["DATABASE_URL"], options.numbers)
    lists = {}
    for name, rows, seed in (("first", options.rows, 1), ("second", options.rows, 2), ("short", options.short_rows, 3)):
        lists[name] = workdir / f"{name}.csv"
        write_company_list(lists[name], rows, options.numbers, seed)
    quota = {"daily_screening_row_quota": options.rows * 4}
    keys = {name: common.create_member(env, "hr", name, **quota) for name in ("first", "second", "short")}
    keys["lookups"] = common.create_member(env, "legal", "lookups", daily_lookup_quota=10_000_000)
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    with common.gunicorn_and_celery(env, workdir, port, "/api/v1/screenings/", keys["short"]):
        common.log("the two long lists one after the other")
        alone = [screen_together(base, [(keys[name], lists[name])], options.timeout) for name in ("first", "second")]
        common.log("the two long lists together, then the short list and the lookups")
        lookups = Lookups(base, keys["lookups"])
        lookups.start()
        started = time.time()
        long_answers = [(keys[name], common.upload(base, keys[name], lists[name])) for name in ("first", "second")]
        time.sleep(1)
        short_started = time.time()
        short_done = wait_done(base, keys["short"], common.upload(base, keys["short"], lists["short"]), options.timeout)
        together = max(wait_done(base, key, answer, options.timeout) for key, answer in long_answers) - started
        lookups.stopped.set()
        lookups.join()
        figures = {
            "long_lists_one_after_the_other_seconds": round(sum(alone), 2),
            "long_lists_together_seconds": round(together, 2),
            "long_lists_ratio": round(together / sum(alone), 3),
            "short_list_seconds": round(short_done - short_started, 2),
            "lookups": lookups.summary(),
        }
    return figures


def report(figures: dict) -> dict:
    lookups = figures["lookups"]
    print()
    print(f"short list, upload to done: {figures['short_list_seconds']} s (target < {TARGETS['short_list_seconds']})")
    print(
        f"lookups while the lists ran: {lookups['count']} at {LOOKUPS_PER_SECOND}/s, p50 {lookups['p50_ms']} ms, "
        f"p99 {lookups['p99_ms']} ms (target < {TARGETS['lookup_p99_ms']}), {lookups['errors']} errors"
    )
    print(
        f"long lists together {figures['long_lists_together_seconds']} s, one after the other "
        f"{figures['long_lists_one_after_the_other_seconds']} s: ratio {figures['long_lists_ratio']} "
        f"(target <= {TARGETS['long_lists_ratio']})"
    )
    met = {
        "short_list": figures["short_list_seconds"] < TARGETS["short_list_seconds"],
        "lookups": lookups["p99_ms"] < TARGETS["lookup_p99_ms"] and not lookups["errors"],
        "long_lists": figures["long_lists_ratio"] <= TARGETS["long_lists_ratio"],
    }
    print("targets:", ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in met.items()))
    return {"targets_met": met}


def main() -> None:
    options = arguments()
    with common.servers_workdir("bench-tenants-") as workdir:
        env = {
            **screening_env(workdir, options),
            "LOOKUP_RATE_PER_MINUTE": "100000",
            "LOOKUP_REQUESTS_PER_MINUTE": "100000",
            "LOOKUP_NUMBERS_PER_MINUTE": "100000",
        }
        figures = benchmark(workdir, env, options)
    common.write_json(OUT, {"options": vars(options), **figures, **report(figures)})


if __name__ == "__main__":
    main()
