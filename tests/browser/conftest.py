"""Playwright on Debian's Chromium against pytest-django's live server.

These journeys run only in .ci/run's second pass (REAL_SERVERS=1), which installs
Chromium; there a missing browser is a failure, not a skip. Each page a test opened
is saved as a screenshot under var/browser-screenshots/ when the test fails.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def open_page(request, transactional_db, live_server, monkeypatch):
    """Open a page in a browser context of its own (own cookies), one per person in the journey.

    `open_page("staff")` returns a Page whose relative URLs go to the live server.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    # While Playwright's sync API is started, this thread runs an event loop (Django would
    # take the test's own ORM calls for async code) and the test runs in a greenlet with
    # database connections of its own, closed here. So it runs for one test at a time.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    pages: dict[str, Page] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def open_as(who: str) -> Page:
            context = browser.new_context(base_url=live_server.url, accept_downloads=True)
            context.set_default_timeout(TIMEOUT_MS)
            pages[who] = context.new_page()
            return pages[who]

        yield open_as
        if request.node.stash.get(FAILED, False):
            save_screenshots(request.node.name, pages)
        browser.close()
        connections.close_all()


def save_screenshots(test_name: str, pages: dict[str, Page]) -> None:
    folder = Path(settings.VAR_DIR) / "browser-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for who, page in pages.items():
        name = test_name if len(pages) == 1 else f"{test_name}-{who}"
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        try:
            page.screenshot(path=path, full_page=True)
        except Exception as error:  # a broken page must not hide the test's own failure
            print(f"no screenshot of {who}'s page: {error}")
        else:
            print(f"screenshot of {who}'s page at {page.url}: {path}")
