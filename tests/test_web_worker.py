"""A web worker loads what requests use as it starts, not in the first request it answers."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Views and what they import (exports write spreadsheets), the tasks views queue, the broker's client.
FIRST_REQUEST_IMPORTS = ("screenings.views", "directory.api.views", "openpyxl", "screenings.tasks", "kombu.transport")


def test_a_web_worker_loads_what_its_first_request_would_import():
    """Workers are recycled every couple of thousand requests: each new one's first request would wait half a second."""
    check = f"import sys, config.wsgi; print(*[m for m in {FIRST_REQUEST_IMPORTS!r} if m not in sys.modules])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    result = subprocess.run(  # noqa: S603 - this interpreter, running the code above
        [sys.executable, "-W", "ignore", "-c", check], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
