"""Production settings (DEBUG off) pass Django's deploy checks and send the security headers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "p" * 20 + "roduction-secret-key-with-plenty-of-entropy-1234567890",
    "NUMBER_HASH_KEY": "a-separate-key-for-number-hashes",
    "PSI_KEY": "5e" * 32,
    "ALLOWED_HOSTS": "directory.example",
    "SITE_URL": "https://directory.example",
    "ENV_FILE": "",  # never a developer's var/.env from `make run`
}
HEADERS_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):  # no collectstatic manifest in a checkout
    response = Client(HTTP_HOST="directory.example").get("/", secure=True)
print(json.dumps({"status": response.status_code, "headers": dict(response.headers)}))
"""


def run(*args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env={**env, **PRODUCTION_ENV}, capture_output=True, text=True, check=False
    )


def test_check_deploy_is_clean():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "NUMBER_HASH_KEY", "SITE_URL", "PSI_KEY"])
def test_production_refuses_to_start_without_its_keys(missing):
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    env = {**env, **PRODUCTION_ENV}
    env.pop(missing)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_security_headers():
    result = run("-c", HEADERS_SCRIPT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {key.lower(): value for key, value in answer["headers"].items()}
    assert answer["status"] == 200
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_scripts_or_styles(client, db):
    for url in ["/", "/how-it-works/", "/disputes/new/", "/accounts/login/", "/api/v1/docs/"]:
        content = client.get(url).content.decode()
        assert "<script>" not in content, url
        assert " style=" not in content, url
