"""Journeys: hr works through a screening's results, prints an evidence report, downloads XLSX,
watches the list and reviews an alert; legal prints a lookup's evidence report."""

import io
import re
from functools import partial

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from directory.matching import DISCLAIMER
from directory.models import Operation
from directory.services import create_contact
from lib.result_files import EXPORT_COLUMNS
from tests.browser.steps import import_listing, log_in, look_up_from_the_menu
from tests.factories import ScreeningFactory, ScreeningResultFactory

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def results(org):
    """A finished screening with a few stored rows of every kind."""
    counts = {"match": 2, "outside_window": 1, "no_match": 1_198, "invalid": 1, "duplicate": 2}
    screening = ScreeningFactory(organization=org, filename="staff phones.csv", finished=True, counts=counts)
    result = partial(ScreeningResultFactory, screening=screening)
    for row, e164, label in [(5, "+12062264011", "E-5"), (9, "+12062264012", "A-9")]:
        result(row=row, e164=e164, input=e164, label=label)
    result(row=14, e164="+12062264013", label="C-14", outside_window=True, contacts=("2023-08-26", "2024-02-02"))
    result(row=20, input="12", label="=cmd", invalid=True)
    for row in (30, 31):
        result(row=row, e164="+12062264011", input="206 226 4011", label=f"D-{row}", duplicate=True, first_row=5)
    return screening


def table_rows(page: Page) -> list[str]:
    return page.locator("table.results tbody tr td:first-child").all_inner_texts()


def pdf_pages(page: Page, paper: str) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", page.pdf(format=paper)))


def test_hr_filters_sorts_searches_and_prints_an_evidence_report(open_page, hr, results):
    page = open_page("hr")
    log_in(page, hr.email)
    page.get_by_role("link", name="Screenings", exact=True).click()
    page.get_by_role("link", name="staff phones.csv").click()

    cards = page.get_by_role("list", name="Rows by outcome")
    expect(cards).to_contain_text("1,198 No match")
    cards.get_by_role("link", name=re.compile("Outside the window")).click()
    expect(page).to_have_url(re.compile(r"\?outcome=outside_window$"))
    assert table_rows(page) == ["14"]
    expect(page.locator("table.results")).to_contain_text(
        "Held 1 Jan 2025 – until now; contacts 26 Aug 2023 – 2 Feb 2024."
    )
    cards.get_by_role("link", name=re.compile("Repeats")).click()
    expect(page.locator("table.results tbody")).to_contain_text("Repeat of row 5")
    cards.get_by_role("link", name=re.compile("Invalid")).click()
    expect(page.locator("table.results tbody")).to_contain_text("The number is too short.")

    page.get_by_role("link", name="Show every kept row").click()
    page.get_by_role("link", name="Number", exact=True).click()
    assert table_rows(page) == ["20", "5", "30", "31", "9", "14"]
    page.get_by_role("link", name="Number", exact=True).click()
    assert table_rows(page) == ["14", "9", "31", "30", "5", "20"]

    page.get_by_label("Search by label or number").fill("(206) 226-4011")
    page.get_by_role("button", name="Search").click()
    assert table_rows(page) == ["31", "30", "5"]
    expect(page).to_have_url(re.compile(r"sort=-number"))  # the search keeps the sort
    page.get_by_label("Search by label or number").fill("a-9")
    page.get_by_role("button", name="Search").click()
    assert table_rows(page) == ["9"]

    page.get_by_role("link", name="Evidence report").click()
    expect(page.get_by_role("heading", name="Evidence report")).to_be_visible()
    expect(page.locator(".disclaimer")).to_have_text(DISCLAIMER)
    expect(page.get_by_text("+12062264012")).to_be_visible()
    event = AuditEvent.objects.get(action="screening.evidence_report")
    expect(page.locator(".report-reference")).to_contain_text(f"event {event.pk}")
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    assert pdf_pages(page, "A4") == 1 and pdf_pages(page, "Letter") == 1


def test_hr_downloads_the_results_as_xlsx(open_page, hr, results):
    page = open_page("hr")
    log_in(page, hr.email)
    page.goto(f"/screenings/{results.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames == ["About", "Results"]
    assert workbook["About"]["A2"].value == DISCLAIMER
    header, *rows = list(workbook["Results"].iter_rows())
    assert [cell.value for cell in header] == EXPORT_COLUMNS
    assert [row[0].value for row in rows] == [5, 9, 14, 20, 30, 31]
    invalid = dict(zip(EXPORT_COLUMNS, rows[3], strict=True))
    assert (invalid["label"].value, invalid["label"].data_type) == ("=cmd", "s")
    match = dict(zip(EXPORT_COLUMNS, rows[0], strict=True))
    assert match["e164"].value == "+12062264011" and match["first_contact"].is_date
    assert AuditEvent.objects.get(action="screening.exported").detail["format"] == "xlsx"


def test_hr_watches_a_screening_reviews_an_alert_and_stops_watching(open_page, hr, results):
    page = open_page("hr")
    log_in(page, hr.email)
    page.goto(f"/screenings/{results.pk}/")
    page.get_by_role("button", name="Watch these numbers").click()
    expect(page.get_by_role("heading", name="Watch lists")).to_be_visible()
    watch_row = page.locator("tbody tr", has_text="staff phones.csv")
    expect(watch_row.first).to_contain_text(hr.email)
    expect(watch_row.first.locator("td").nth(1)).to_have_text("3")  # two matches and one outside the window

    operation = Operation.objects.create(name="Tacoma 2026", city="Tacoma", region="WA", country="US")
    create_contact(e164="+12062264012", operation=operation, occurred_at=timezone.now(), channel="text")
    page.get_by_role("link", name="Alerts").first.click()
    alert = page.locator("tbody tr", has_text="+12062264012")
    expect(alert).to_contain_text("A-9, row 9 of")
    alert.get_by_label("Note").fill("The phone's holder was interviewed.")
    alert.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("No alert waits for review.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reviewed")).to_be_visible()
    expect(page.locator("tbody tr", has_text="+12062264012")).to_contain_text("The phone's holder was interviewed.")

    page.get_by_role("link", name="Watch lists").first.click()
    page.get_by_role("button", name=re.compile("Stop watching")).click()
    expect(page.locator("tbody tr", has_text="staff phones.csv").first).to_contain_text("Stopped")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"monitoring.watch_started", "monitoring.alert_reviewed", "monitoring.watch_stopped"} <= actions


def test_legal_prints_the_evidence_report_of_a_lookup(open_page, legal):
    import_listing("+12062264011")
    page = open_page("legal")
    log_in(page, legal.email)
    look_up_from_the_menu(page, "(206) 226-4011\n")
    page.get_by_role("button", name="Evidence report for +12062264011").click()
    expect(page.get_by_role("heading", name="Evidence report")).to_be_visible()
    expect(page.locator(".report-facts")).to_contain_text("26 Aug 2023")
    assert AuditEvent.objects.filter(action="lookup.evidence_report", actor=legal).count() == 1
    page.emulate_media(media="print")
    assert pdf_pages(page, "A4") == 1
