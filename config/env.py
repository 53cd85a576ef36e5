"""Small, strict readers for settings that come from the environment.

A bad value stops the process at start-up with a message that names the
variable, instead of running with a setting nobody meant.
"""

import os
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def parse_env_file(path: Path) -> dict[str, str]:
    """The `NAME=value` lines of a file; blank lines and `#` comments are skipped, values are literal."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {line!r}")
        values[name.strip()] = value.strip()
    return values


def read_env_file(path: Path) -> None:
    """Set the variables the file names, unless the environment already has them.

    `make run` writes the embedded mode's settings (and its generated key) to such a
    file, so that every later `manage.py` command runs with them. The file holds
    secrets: one that others may read is refused rather than trusted.
    """
    if not path.is_file():
        return
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(f"{path} holds secrets: make it readable by its owner only (chmod 600 {path})")
    for name, value in parse_env_file(path).items():
        os.environ.setdefault(name, value)


def env_file_path(var_dir: Path) -> Path | None:
    """The file of embedded settings: ENV_FILE, by default `.env` in VAR_DIR; ENV_FILE empty reads none."""
    name = envstr("ENV_FILE", str(var_dir / ".env"))
    return Path(name) if name else None


def private_directory(path: Path) -> Path:
    """Create the directory, or tighten an existing one, so that only its owner can enter it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & stat.S_ISVTX:
        raise ImproperlyConfigured(f"{path} is a shared directory (like /tmp): give VAR_DIR a directory of its own")
    path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty, or tighten an existing one, so that only its owner can read it."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    return path
