"""The directory's API as the client uses it: the set-up, blinded requests, and batch lookups of the hits."""

import hashlib
import time
from pathlib import Path

import requests

from lib.private_sets import unpack_setup

BINARY = "application/octet-stream"
LOOKUP_BATCH = 1000
RATE_RETRIES = 3


class ServerRefused(Exception):
    """The server said no (a limit, a permission, a bad key); the message is the server's."""


class Server:
    """The site's API under `url`, called with a member's API key; `session` may be any requests-like client."""

    def __init__(self, url: str, api_key: str, session=None, cache_dir: Path | None = None, sleep=time.sleep):
        self.url = url.rstrip("/") + "/api/v1/"
        self.session = session or requests.Session()
        self.headers = {"Authorization": f"Api-Key {api_key}"}
        self.cache_dir = cache_dir
        self.sleep = sleep

    def call(self, method: str, path: str, **kwargs):
        """One request; refused by the per-minute rate limit, it is sent again when the server says (a
        refused request is charged nothing), up to RATE_RETRIES times."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        for attempt in range(RATE_RETRIES + 1):
            response = self.session.request(method, self.url + path, headers=headers, **kwargs)
            wait = rate_wait(response)
            if wait is None or attempt == RATE_RETRIES:
                break
            self.sleep(wait)
        if response.status_code >= 400:
            raise ServerRefused(f"{method} {path}: {response.status_code} {detail(response)}")
        return response

    def setup(self) -> tuple[dict, list[bytes]]:
        """The set-up; a copy kept in `cache_dir` is reused while the server says it is current (ETag)."""
        copy = (
            self.cache_dir / f"setup-{hashlib.sha256(self.url.encode()).hexdigest()[:12]}" if self.cache_dir else None
        )
        headers = {}
        if copy and copy.with_suffix(".etag").exists():
            headers["If-None-Match"] = copy.with_suffix(".etag").read_text()
        response = self.call("GET", "private-screenings/setup/", headers=headers)
        if response.status_code == 304:
            return unpack_setup(copy.read_bytes())
        if response.status_code != 200:
            raise ServerRefused(f"GET private-screenings/setup/: {response.status_code} {detail(response)}")
        body = response.content
        if copy:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(body)
            copy.with_suffix(".etag").write_text(response.headers["ETag"])
        return unpack_setup(body)

    def answer(self, blinded: bytes) -> tuple[bytes, str]:
        """The server's response to a blinded request, and the id of the key it used."""
        response = self.call("POST", "private-screenings/", data=blinded, headers={"Content-Type": BINARY})
        return response.content, response.headers.get("Private-Screening-Key", "")

    def lookup(self, items: list[dict], region: str) -> tuple[list[dict], str]:
        """The hits looked up (with their windows), in batches; the results in order, and the disclaimer."""
        results, disclaimer = [], ""
        for start in range(0, len(items), LOOKUP_BATCH):
            body = {"numbers": items[start : start + LOOKUP_BATCH], "region": region}
            answer = self.call("POST", "private-screenings/confirm/", json=body).json()
            results.extend(answer["results"])
            disclaimer = answer.get("disclaimer", disclaimer)
        return results, disclaimer


def rate_wait(response) -> int | None:
    """Seconds to wait before sending a request the rate limit refused again; None for any other answer
    (a daily quota's refusal asks to wait until midnight: the run stops with its message)."""
    if response.status_code != 429:
        return None
    wait = response.headers.get("Retry-After", "")
    return int(wait) if wait.isdigit() and int(wait) <= 60 else None


def detail(response) -> str:
    try:
        return response.json().get("detail", response.text[:200])
    except ValueError:
        return response.text[:200]
