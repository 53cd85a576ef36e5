"""The production text-message backend (Twilio, reached over HTTPS) and what it leaves in the logs."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from django.urls import reverse

from disputes.models import Dispute

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def twilio(settings, monkeypatch):
    """The Twilio backend with its HTTPS calls answered here: the bodies it would have sent."""
    settings.SMS_BACKEND = "sms.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-token"  # noqa: S105 - not a real token
    settings.DEFAULT_FROM_SMS = "+12065550000"
    sent = []

    def answer(session, prepared, **kwargs):
        sent.append({key: values[0] for key, values in parse_qs(prepared.body).items()})
        response = requests.Response()
        response.status_code = 201
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps({"sid": "SM" + "0" * 32, "status": "queued"}).encode()
        return response

    monkeypatch.setattr(requests.Session, "send", answer)
    return sent


def test_the_production_backend_never_logs_the_code(client, twilio, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    data = {"number": "(206) 555-0123", "contact_email": "owner@mail.example", "statement": "Mine since 2024."}
    client.post(reverse("disputes:new"), data)
    assert [(message["To"], message["From"]) for message in twilio] == [("+12065550123", "+12065550000")]
    code = re.search(r"\b(\d{6})\b", twilio[0]["Body"]).group(1)
    client.post(reverse("disputes:confirm"), {"code": code})
    assert Dispute.objects.exists()
    printed = capsys.readouterr()
    assert code not in caplog.text + printed.out + printed.err


@pytest.mark.parametrize("backend", ["sms.backends.console.SmsBackend", "sms.backends.locmem.SmsBackend"])
def test_production_refuses_a_backend_that_prints_or_keeps_codes(backend):
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="a-production-secret-key-with-plenty-of-entropy-1234567890",
        NUMBER_HASH_KEY="a-separate-key-for-number-hashes",
        SITE_URL="https://directory.example.org",
        PSI_KEY="5e" * 32,
        ENV_FILE="",
        SMS_BACKEND=backend,
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "does not send text messages" in result.stderr
