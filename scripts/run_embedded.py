"""The embedded mode behind `make run`: one command for the whole demo on one machine.

It writes the embedded settings to VAR_DIR/.env (so that every later `manage.py`
command runs with them), migrates, seeds the demo, then runs the web server, a
Celery worker and Celery beat as three supervised processes:

- a worker or beat that dies is started again, and its death is logged, so that
  screenings, stalled-work recovery and purges never stop silently;
- the run ends when the web server stops, or on Ctrl-C, TERM or HUP: every process
  is asked to stop, and what still runs after STOP_SECONDS is killed.

Everything it and its processes write is readable by the owner only (umask 077).
"""

import argparse
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.env import env_file_path, parse_env_file, private_directory  # noqa: E402

STOP_SECONDS = 8
# A process that dies sooner than this after starting waits RESTART_DELAY before its next start.
QUICK_DEATH_SECONDS = 10
RESTART_DELAY_SECONDS = 5
EMBEDDED_DEFAULTS = {"DEBUG": "true", "REQUIRE_2FA": "false"}

log = logging.getLogger("run")


@dataclass
class Service:
    """One supervised process, in a process group of its own so that its children stop with it."""

    name: str
    command: list[str]
    essential: bool = False
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    start_after: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and commands
            self.command, cwd=BASE_DIR, stdin=subprocess.DEVNULL, process_group=0
        )
        self.started_at = time.monotonic()

    def terminate(self) -> None:
        """Ask the process to stop; it stops its own children (the worker's pool, the server's reloader)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def kill(self) -> None:
        """Kill whatever is left of the process group."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def gone(self) -> bool:
        """True when the process has ended and nothing is left of its process group."""
        if self.process is None:
            return True
        if self.process.poll() is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


def tighten(var_dir: Path) -> None:
    """Make what earlier runs left in VAR_DIR readable by the owner only."""
    private_directory(var_dir)
    for path in var_dir.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)


def write_env_file(path: Path, port: int) -> None:
    """Keep the file's settings and key; add the embedded defaults, a random SECRET_KEY, this run's PORT."""
    values = parse_env_file(path) if path.is_file() else {}
    for name, value in EMBEDDED_DEFAULTS.items():
        values.setdefault(name, value)
    values.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    values["PORT"] = str(port)
    lines = [
        "# The embedded mode's settings, written by `make run` and read by config/settings.py.",
        "# Variables set in the environment win over these. `make clean` deletes this file.",
        *(f"{name}={value}" for name, value in values.items()),
    ]
    draft = path.with_name(path.name + ".new")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(draft, path)


def prepare(port: int) -> None:
    var_dir = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
    tighten(var_dir)
    env_file = env_file_path(var_dir)
    if env_file is None:
        sys.exit("ENV_FILE is empty: `make run` keeps the embedded settings in that file; unset it.")
    write_env_file(env_file, port)
    os.environ["PORT"] = str(port)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, check=False)  # noqa: S603
        if result.returncode:
            sys.exit(result.returncode)


def services(port: int) -> list[Service]:
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    return [
        Service("the web server", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], essential=True),
        Service("the Celery worker", [*celery, "worker", "--concurrency", "2", "--loglevel", "WARNING"]),
        Service("Celery beat", [*celery, "beat", "--loglevel", "WARNING"]),
    ]


def supervise(running: list[Service]) -> int:
    """Run until a stop signal or the web server's end; restart a worker or beat that dies."""
    stop_requests = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda received, frame: stop_requests.append(received))
    for service in running:
        service.start()
    while not stop_requests:
        time.sleep(0.2)
        now = time.monotonic()
        for service in running:
            if service.process is None:
                if now >= service.start_after:
                    service.start()
                continue
            returncode = service.process.poll()
            if returncode is None:
                continue
            if service.essential:
                log.warning("%s stopped (%s); stopping the rest", service.name, how_it_ended(returncode))
                shut_down(running)
                return returncode or 1
            log.warning("%s stopped unexpectedly (%s); starting it again", service.name, how_it_ended(returncode))
            service.kill()
            service.process = None
            quick = now - service.started_at < QUICK_DEATH_SECONDS
            service.start_after = now + (RESTART_DELAY_SECONDS if quick else 0)
    shut_down(running)
    return 0


def shut_down(running: list[Service]) -> None:
    log.info("Stopping the web server, the Celery worker and Celery beat")
    for service in running:
        service.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and not all(service.gone() for service in running):
        time.sleep(0.1)
    for service in running:
        if not service.gone():
            log.warning("%s did not stop within %d s; killing it", service.name, STOP_SECONDS)
            service.kill()
            service.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    port = parser.parse_args().port
    logging.basicConfig(format="%(asctime)s [make run] %(message)s", level=logging.INFO, stream=sys.stderr)
    os.umask(0o077)
    try:
        prepare(port)
    except KeyboardInterrupt:
        sys.exit(130)
    log.info("Starting a Celery worker, Celery beat and the web server on http://127.0.0.1:%d/", port)
    sys.exit(supervise(services(port)))


if __name__ == "__main__":
    main()
