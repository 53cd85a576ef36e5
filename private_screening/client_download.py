"""The command-line client as a source archive anyone in a member organization can `pip install`.

Built from the repository's client/ folder, with the kernel it shares with the site (lib/) in it:
the same code the site runs, not a copy kept by hand.
"""

import io
import tarfile
import tomllib
from functools import cache

from django.conf import settings

SKIPPED = ("__pycache__", ".egg-info", "build", ".pyc")


def client_folder():
    return settings.BASE_DIR / "client"


def client_version() -> str:
    return tomllib.loads((client_folder() / "pyproject.toml").read_text())["project"]["version"]


@cache
def client_archive() -> tuple[str, bytes]:
    """The archive's file name and bytes, made once per process."""
    name = f"private-screening-client-{client_version()}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as archive:
        archive.add(client_folder(), arcname=name, filter=without_build_leftovers)
    return f"{name}.tar.gz", buffer.getvalue()


def without_build_leftovers(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if any(part in member.name for part in SKIPPED) else member
