"""Journey: a legal member pastes a few numbers on the lookup page and reads the outcomes."""

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from directory.matching import DISCLAIMER
from tests.browser.steps import import_listing, log_in, look_up_from_the_menu

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


def test_legal_looks_up_a_pasted_list(open_page, legal):
    import_listing("+12062264011")
    page = open_page("legal")
    log_in(page, legal.email)

    look_up_from_the_menu(page, "(206) 226-4011\n425-947-1841\n12345\n+1 206 226 4011\n")

    expect(page.locator(".disclaimer")).to_have_text(DISCLAIMER)
    counts = page.locator("ul.counts")
    for count in ("1 match", "0 outside the window", "1 no match", "1 invalid", "1 repeat"):
        expect(counts).to_contain_text(count)
    rows = page.locator("#lookup-results tbody tr")
    expect(rows.locator("td:nth-child(3)")).to_have_text(["Match", "No match", "Invalid", "Repeat"])
    match = rows.nth(0).locator("td")
    expect(match.nth(1)).to_have_text("+12062264011")
    expect(match.nth(3)).to_have_text("26 Aug 2023")
    expect(match.nth(4)).to_have_text("2 Feb 2024")
    expect(match.nth(5)).to_have_text("2")
    expect(match.nth(6)).to_have_text("call, text")
    expect(rows.nth(2).locator("td").nth(8)).not_to_be_empty()
    expect(rows.nth(3).locator("td").nth(1)).to_have_text("+12062264011")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "lookup-results.csv"
    exported = AuditEvent.objects.get(action="lookup.exported")
    assert (exported.actor, exported.detail) == (legal, {"format": "csv", "how": "download", "rows": 4})
