import json as jsonlib
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from accounts.services import create_api_key
from directory.importing import import_contacts
from private_screening import tasks

# The client package lives in client/ (installed with `pip install ./client`); its `lib` is this repository's.
sys.path.append(str(Path(__file__).resolve().parents[2] / "client"))

from private_screening_client.server import Server  # noqa: E402


class Answer:
    """A test-client response as the client sees a `requests` response."""

    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = b"".join(response.streaming_content) if response.streaming else response.content
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.content)


class TestSession:
    """The client's HTTP calls go to the test server through DRF's APIClient, with the member's API key."""

    def __init__(self):
        self.client = APIClient()

    def request(self, method, url, headers=None, data=None, json=None):
        headers = dict(headers or {})
        content_type = headers.pop("Content-Type", "application/json")
        extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
        body = jsonlib.dumps(json) if json is not None else data
        if body is None:
            return Answer(self.client.generic(method, urlsplit(url).path, **extra))
        return Answer(self.client.generic(method, urlsplit(url).path, body, content_type, **extra))


@pytest.fixture
def directory(samples, db):
    """The sample directory, imported from contacts.csv."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)


@pytest.fixture
def build_setup(django_capture_on_commit_callbacks):
    """Build a new set-up version the way the workers do (tasks run eagerly once committed)."""

    def build():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.start_build()

    return build


@pytest.fixture
def server_as():
    def connect(user, cache_dir=None) -> Server:
        _, key = create_api_key(user=user, name="private screening")
        return Server("http://testserver", key, session=TestSession(), cache_dir=cache_dir)

    return connect


@pytest.fixture
def expected(samples):
    return jsonlib.loads((samples / "expected.json").read_text())
