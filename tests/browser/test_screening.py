"""Journey: hr uploads a company list, watches a real Celery worker screen it, filters and downloads."""

import csv
import json
import re
from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from config.celery_app import app as celery_app
from directory.importing import import_contacts
from lib.result_files import EXPORT_COLUMNS as COLUMNS
from tests.browser.steps import log_in
from tests.screenings import workers

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

# Small chunks: the 500-row list is screened as twenty chunk tasks, progress counted after each.
CHUNK_ROWS = 25
SCREENING_TIMEOUT_MS = 120_000


@pytest.fixture
def start_worker(monkeypatch):
    """Start one real Celery worker (a subprocess on PostgreSQL and Redis) when the test says so.

    Until then the web request queues the job on Redis and the page shows it waiting.
    """
    monkeypatch.setattr(workers, "CHUNK_ROWS", CHUNK_ROWS)
    celery_app.conf.task_always_eager = False
    started = []
    try:
        yield lambda: started.append(workers.start_worker("browser"))
    finally:
        celery_app.conf.task_always_eager = True
        for worker in started:
            workers.stop(worker)


def watch_progress(page: Page) -> list[dict]:
    """Every state the progress bar was given, read before the page sees it (it reloads at the end)."""
    states = []

    def record(route):
        response = route.fetch()
        states.append(response.json())
        route.fulfill(response=response)

    page.route("**/status/", record)
    return states


def test_hr_screens_a_list_and_downloads_the_matches(open_page, hr, samples, start_worker):
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    expected = Counter(
        row["outcome"] for row in json.loads((samples / "expected.json").read_text())["plain_utf8.csv"]["rows"]
    )
    page = open_page("hr")
    progress = watch_progress(page)
    log_in(page, hr.email)

    page.get_by_role("link", name="Screenings", exact=True).click()
    page.get_by_role("link", name="Screen a phone list").click()
    page.get_by_label("File").set_input_files(samples / "lists" / "plain_utf8.csv")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Check the columns of plain_utf8.csv")).to_be_visible()
    expect(page.get_by_role("checkbox", name="phone")).to_be_checked()
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_role("heading", name="Screening of plain_utf8.csv")).to_be_visible()
    expect(page.locator("#progress-bar")).to_have_attribute("value", "0")
    expect(page.locator("#progress-text")).to_have_text("Queued")

    start_worker()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=SCREENING_TIMEOUT_MS)
    percents = [state["percent"] for state in progress]
    assert progress and progress[-1]["finished"] and progress[-1]["status"] == "done", progress
    assert percents[-1] == 100 and percents == sorted(percents), percents
    assert progress[-1]["processed"] == progress[-1]["total"] == sum(expected.values())
    cards = page.get_by_role("list", name="Rows by outcome")
    expect(cards).to_contain_text(f"{expected['match']} Match")
    expect(cards).to_contain_text(f"{expected['invalid']} Invalid")
    expect(cards).to_contain_text(f"{expected['duplicate']} Repeats")

    cards.get_by_role("link", name=re.compile("Match")).click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?outcome=match")
    expect(page.locator("table.results tbody .badge-match")).to_have_count(expected["match"])
    expect(page.locator("table.results tbody tr")).to_have_count(expected["match"])

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    header, *rows = csv.reader(download.value.path().read_text(encoding="utf-8").splitlines())
    assert header == COLUMNS
    assert len(rows) == expected["match"]
    assert {row[COLUMNS.index("outcome")] for row in rows} == {"match"}
    assert all(re.fullmatch(r"\+[0-9]{1,19}", row[COLUMNS.index("e164")]) for row in rows), "E.164 cells are altered"
    labels = [row[COLUMNS.index("label")] for row in rows]
    assert '\'=HYPERLINK("http://x","click")' in labels
    e164 = COLUMNS.index("e164")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row[:e164] + row[e164 + 1 :])


def test_hr_changes_the_phone_columns_of_an_hr_export_before_starting(open_page, hr, samples, start_worker, tmp_path):
    """An HR export with work, mobile and home phones: every phone column is found, one is untaken, the
    job screens the others and each result names its column."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    export = tmp_path / "hr-export.csv"
    export.write_text(
        "Employee,Work phone,Mobile,Home phone\n"
        "E1,(206) 226-4011,(206) 555-0100,(206) 555-0142\n"
        "E2,(206) 555-0101,+1 206 226 4011,(206) 555-0143\n"
    )
    page = open_page("hr")
    log_in(page, hr.email)
    page.goto("/screenings/new/")
    page.get_by_label("File").set_input_files(export)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Check the columns of hr-export.csv")).to_be_visible()
    for column in ("Work phone", "Mobile", "Home phone"):
        expect(page.get_by_role("checkbox", name=column)).to_be_checked()
    page.get_by_role("checkbox", name="Home phone").uncheck()
    page.get_by_role("button", name="Start screening").click()
    start_worker()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=SCREENING_TIMEOUT_MS)
    cards = page.get_by_role("list", name="Rows by outcome")
    expect(cards).to_contain_text("1 Match")
    expect(cards).to_contain_text("1 Repeats")
    results = page.locator("table.results tbody")
    expect(results).to_contain_text("in Work phone")
    expect(results).to_contain_text("in Mobile")
    expect(results).not_to_contain_text("Home phone")
