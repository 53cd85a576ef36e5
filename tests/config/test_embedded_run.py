"""`make run` as an operator uses it: a fresh demo in its own VAR_DIR on a free port.

One run serves every test of this module, in order: the README's operator commands,
an invitation mailed by the demo, the files it keeps, a killed beat and worker, and
last the TERM that stops it all. Ctrl-C stops a run of its own.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

MAKE = shutil.which("make")
ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90
STOP_SECONDS = 10

pytestmark = pytest.mark.skipif(
    os.environ.get("REAL_SERVERS") == "1", reason="the embedded mode is tested in the first pass, without servers"
)


def wait_until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    return predicate()


def process_table() -> tuple[dict[int, list[int]], dict[int, str]]:
    """Children of every live process, and each one's command line; zombies count as gone."""
    children, commands = defaultdict(list), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields[0] != "Z":
            children[int(fields[1])].append(int(entry.name))
            commands[int(entry.name)] = command
    return children, commands


def descendants(pid: int) -> dict[int, str]:
    children, commands = process_table()
    found, queue = {}, [pid]
    while queue:
        for child in children[queue.pop()]:
            found[child] = commands[child]
            queue.append(child)
    return found


def alive(pids) -> set[int]:
    _, commands = process_table()
    return set(pids) & set(commands)


@dataclass
class EmbeddedRun:
    make: subprocess.Popen
    port: int
    var_dir: Path
    log: Path
    env: dict

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def supervised(self) -> dict[str, int]:
        """The web server's, the worker's and beat's main processes, by name."""
        everything = descendants(self.make.pid)
        supervisor = next(pid for pid, command in everything.items() if "run_embedded.py" in command)
        leaders = descendants(supervisor)
        children, _ = process_table()
        names = {"runserver": "web", " worker ": "worker", " beat ": "beat"}
        return {
            name: pid
            for pid, command in leaders.items()
            if pid in children[supervisor]
            for word, name in names.items()
            if word in command
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:  # noqa: S310 - our server
            return response.status == 200
    except OSError:
        return False


@contextmanager
def make_run(workdir: Path) -> Iterator[EmbeddedRun]:
    """`PORT=… make run` with nothing else set but an empty VAR_DIR of its own; whatever is left
    of it is stopped on the way out."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(workdir), "LANG": "C.UTF-8", "VAR_DIR": str(workdir / "var")}
    log = workdir / "make-run.log"
    with log.open("w") as output:
        make = subprocess.Popen(  # noqa: S603 - make run itself; the venv is already installed
            [MAKE, "-o", ".venv/.installed", "run"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = EmbeddedRun(make=make, port=port, var_dir=workdir / "var", log=log, env=env)
    try:
        assert wait_until(lambda: serves(port) or make.poll() is not None, START_SECONDS) and make.poll() is None, (
            run.output()
        )
        yield run
    finally:
        left = descendants(make.pid)
        if make.poll() is None:
            make.terminate()
            make.wait(timeout=30)
        for pid in alive(left):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    with make_run(tmp_path_factory.mktemp("embedded")) as run:
        yield run


def assert_stops_within_ten_seconds(run: EmbeddedRun, stop: Callable[[], None]) -> None:
    """`stop()` leaves nothing of `make run` running within STOP_SECONDS, and nothing serving."""
    running = descendants(run.make.pid)
    assert {"web", "worker", "beat"} <= set(run.supervised())
    stop()

    assert wait_until(lambda: not alive([run.make.pid, *running]), STOP_SECONDS), {
        pid: running.get(pid, "make") for pid in alive([run.make.pid, *running])
    }
    assert not serves(run.port)


def readme_operator_commands() -> list[str]:
    """Every `manage.py` command of the README's `sh` examples, except the Docker ones."""
    readme = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if "manage.py" in line and not line.lstrip().startswith("docker"):
                commands.append(line.strip())
    return commands


def test_readme_operator_commands_work_as_written_after_make_run(embedded_run):
    commands = readme_operator_commands()
    names = {re.search(r"manage\.py (\w+)", command).group(1) for command in commands}
    assert {"import_contacts", "create_api_key", "purge_expired", "check"} <= names
    for command in commands:
        assert ".venv/bin/python manage.py" in command, command
        result = subprocess.run(  # noqa: S603 - the README's own commands
            ["/bin/bash", "-e", "-o", "pipefail", "-c", command],
            cwd=ROOT,
            env=embedded_run.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def test_invitation_mail_links_to_the_port_the_demo_serves_on(embedded_run):
    site = f"http://127.0.0.1:{embedded_run.port}"
    password = (embedded_run.var_dir / "demo-logins.txt").read_text().split()[1]
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))

    def post(path: str, fields: dict) -> None:
        browser.open(site + path, timeout=30).read()
        token = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        browser.open(site + path, data=body, timeout=30).read()

    post("/accounts/login/", {"username": "admin@example.com", "password": password})
    post("/accounts/organization/members/", {"email": "new.hire@example.com", "role": "hr"})

    links = wait_until(lambda: re.findall(r"http://\S+/accounts/invitations/\S+", embedded_run.output()), 10)
    assert links, embedded_run.output()
    assert all(link.startswith(site + "/") for link in links)


def test_everything_in_var_dir_is_readable_by_its_owner_only(embedded_run):
    assert stat.S_IMODE(embedded_run.var_dir.stat().st_mode) == 0o700
    paths = list(embedded_run.var_dir.rglob("*"))
    assert {".env", "db.sqlite3", "demo-logins.txt"} <= {path.name for path in paths}
    assert [path for path in paths if path.stat().st_mode & 0o077] == []


@pytest.mark.parametrize(("name", "told"), [("beat", "Celery beat"), ("worker", "the Celery worker")])
def test_killed_beat_or_worker_is_logged_and_started_again(embedded_run, name, told):
    killed = embedded_run.supervised()[name]
    os.kill(killed, signal.SIGKILL)

    def restarted():
        return embedded_run.supervised().get(name) not in (None, killed)

    assert wait_until(restarted, 30), embedded_run.output()
    assert f"{told} stopped unexpectedly (killed by SIGKILL); starting it again" in embedded_run.output()
    assert not alive([killed])


def test_term_to_make_run_stops_every_process_within_ten_seconds(embedded_run):
    assert_stops_within_ten_seconds(embedded_run, lambda: embedded_run.make.send_signal(signal.SIGTERM))


def test_ctrl_c_stops_every_process_within_ten_seconds(tmp_path):
    """Ctrl-C at the terminal interrupts the foreground process group: make and its supervisor."""
    with make_run(tmp_path) as run:
        assert_stops_within_ten_seconds(run, lambda: os.killpg(run.make.pid, signal.SIGINT))
