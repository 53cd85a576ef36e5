"""Processes of the screening benchmark: the machine's load, peak memory, the worker's task log."""

import os
import re
import time
from datetime import datetime
from pathlib import Path

TASK_DONE = re.compile(
    r"^\[(?P<at>[\d-]+ [\d:,]+): INFO/[^\]]+\] Task screenings\.tasks\.(?P<task>\w+)\[[^\]]+\] "
    r"succeeded in (?P<seconds>[\d.]+)s",
    re.MULTILINE,
)


TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the parenthesized command name: state, ppid, ... (empty once it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def parents() -> dict[int, int]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat_fields(entry.name)):
            found[int(entry.name)] = int(fields[1])
    return found


def children(pid: int) -> list[int]:
    return [child for child, parent in parents().items() if parent == pid]


def descendants(roots: set[int]) -> set[int]:
    family, by_parent = set(roots), parents()
    while grown := {child for child, parent in by_parent.items() if parent in family} - family:
        family |= grown
    return family


class MachineLoad:
    """CPU time the whole machine spent between start() and stop(), and how much of it was not this benchmark's.

    This benchmark's processes are the descendants of `roots` (this script, PostgreSQL's postmaster,
    Redis); a process's time includes its children that have ended (PostgreSQL's backends).
    """

    def __init__(self, roots: set[int]):
        self.roots = roots

    @staticmethod
    def busy_seconds() -> float:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / TICKS

    def own_seconds(self) -> float:
        total = 0
        for pid in descendants(self.roots):
            if fields := stat_fields(pid):
                total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        return total / TICKS

    def start(self) -> None:
        self.started, self.busy, self.own = time.monotonic(), self.busy_seconds(), self.own_seconds()

    def stop(self) -> dict:
        wall = time.monotonic() - self.started
        busy, own = self.busy_seconds() - self.busy, self.own_seconds() - self.own
        other = max(busy - own, 0.0)
        return {
            "cpu_seconds": round(busy, 1),
            "other_cpu_seconds": round(other, 1),
            "other_share_of_cpus": round(other / (wall * os.cpu_count()), 3),
        }


def memory_kib(pid: int) -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in KiB; empty once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {name: int(kib) for name, kib in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE)}


class MemoryWatch:
    """Peak resident memory of the Celery worker's main process and of each pool process it ever had.

    It also keeps, at each sample, the largest resident memory of a pool process, to tell which
    step of the screening the peak came in.
    """

    def __init__(self, worker_pid: int):
        self.worker_pid = worker_pid
        self.peaks: dict[int, int] = {}
        self.samples: list[tuple[float, int]] = []

    def sample(self) -> None:
        largest = 0
        for pid in (self.worker_pid, *children(self.worker_pid)):
            memory = memory_kib(pid)
            if memory:
                self.peaks[pid] = max(memory["VmHWM"], self.peaks.get(pid, 0))
                largest = max(largest, memory["VmRSS"]) if pid != self.worker_pid else largest
        self.samples.append((time.time(), largest))

    def largest_between(self, started: float, ended: float) -> float:
        """The largest pool process's resident memory sampled in this window, in MiB."""
        return round(max((kib for at, kib in self.samples if started <= at <= ended), default=0) / 1024, 1)

    def summary(self) -> dict:
        pool = [kib for pid, kib in self.peaks.items() if pid != self.worker_pid]
        return {
            "main_process_mib": round(self.peaks.get(self.worker_pid, 0) / 1024, 1),
            "pool_processes_mib": sorted((round(kib / 1024, 1) for kib in pool), reverse=True),
            "max_mib": round(max(self.peaks.values(), default=0) / 1024, 1),
        }


def task_runs(log_file: Path) -> list[dict]:
    """Every screening task the worker finished: name, start and end (epoch seconds), and its run time."""
    runs = []
    for match in TASK_DONE.finditer(log_file.read_text()):
        ended = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        seconds = float(match["seconds"])
        runs.append({"task": match["task"], "started": ended - seconds, "ended": ended, "seconds": seconds})
    return runs
