import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, parse_env_file, private_directory, read_env_file

ROOT = Path(__file__).resolve().parents[2]


def test_envbool_reads_words_and_refuses_others(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_envint_refuses_words_and_small_numbers(monkeypatch):
    monkeypatch.setenv("COUNT", "seven")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        envint("COUNT", 1)
    monkeypatch.setenv("COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("COUNT", 1, minimum=1)
    monkeypatch.delenv("COUNT")
    assert envint("COUNT", 7) == 7


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS") == ["a.example", "b.example"]


def test_env_file_fills_in_what_the_environment_does_not_set(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# written by make run\nDEBUG=true\nPORT=8765\n\nSITE_URL=http://file.example\n")
    env_file.chmod(0o600)
    monkeypatch.setattr(os, "environ", {"SITE_URL": "http://environment.example"})
    read_env_file(env_file)
    assert os.environ["PORT"] == "8765"
    assert os.environ["SITE_URL"] == "http://environment.example"


def test_env_file_others_may_read_is_refused(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=not-so-secret\n")
    env_file.chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        read_env_file(env_file)


def test_env_file_names_its_bad_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\njust some words\n")
    with pytest.raises(ImproperlyConfigured, match="line 2"):
        parse_env_file(env_file)


def test_private_directory_tightens_an_existing_one(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o755)
    private_directory(var_dir)
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700


def test_shared_directory_is_refused_as_var_dir(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(ImproperlyConfigured, match="VAR_DIR"):
        private_directory(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def settings_of(env: dict, *names: str) -> list[str]:
    """The named settings as a fresh process with only these variables sees them."""
    prints = "; ".join(f"print(settings.{name})" for name in names)
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {prints}"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_embedded_links_follow_the_port_make_run_serves_on(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o700)
    (var_dir / ".env").write_text("DEBUG=true\nPORT=8765\n")
    (var_dir / ".env").chmod(0o600)
    assert settings_of({"VAR_DIR": str(var_dir)}, "DEBUG", "SITE_URL") == ["True", "http://127.0.0.1:8765"]


def test_sqlite_database_and_var_dir_are_created_owner_only(tmp_path):
    var_dir = tmp_path / "var"
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, under a permissive umask
        ["/bin/sh", "-c", f"umask 022 && exec {sys.executable} manage.py migrate --noinput"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "VAR_DIR": str(var_dir), "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((var_dir / "db.sqlite3").stat().st_mode) == 0o600
