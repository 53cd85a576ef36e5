"""Journey: a curator (staff, not a superuser) reads the statistics, then takes a dispute from the
desk through review to removal. Screenshots at 1280 px go to var/screenshots/; axe-core finds no
serious or critical violation on the statistics page or the dispute desk."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from directory.models import ListedNumber
from disputes.models import Dispute
from tests.browser.steps import import_listing, log_in, mail_to

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

NUMBER = "+12062264011"
FILER = "owner@example.net"
BLOCKING = {"serious", "critical"}


def screenshot(page: Page, name: str) -> None:
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"curator-{name}.png", full_page=True)


def assert_accessible(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [(v["id"], [node["target"] for node in v["nodes"]]) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, blocking


def assert_fits(page: Page) -> None:
    """Nothing scrolls sideways, and the header's links stay on one line."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator("#user-tools").evaluate("tools => tools.getClientRects().length") == 1
    assert page.locator("#user-tools").bounding_box()["height"] < 40


def test_a_curator_reads_the_statistics_and_decides_a_dispute(open_page, curator):
    import_listing(NUMBER)
    Dispute.objects.create(e164=NUMBER, contact_email=FILER, statement="I got this number in March 2025.")
    page = open_page("curator")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, curator.email, start="/admin/")
    expect(page.get_by_role("heading", name="Groups")).to_have_count(0)
    assert_fits(page)
    screenshot(page, "index")

    page.get_by_role("link", name="Statistics").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    expect(page.get_by_role("heading", name="Contacts per month")).to_be_visible()
    expect(page.get_by_role("img", name="Contacts per operation: 2 in all")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)
    screenshot(page, "statistics")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Contacts per month” as CSV").click()
    assert download.value.suggested_filename == "contacts-per-month.csv"

    page.get_by_role("link", name="Dispute desk").first.click()
    expect(page.locator("#result_list tbody tr").first).to_contain_text("filed today")
    assert_fits(page)
    screenshot(page, "queue")
    page.get_by_role("link", name=NUMBER).click()
    expect(page.get_by_role("heading", name=f"Dispute of {NUMBER}")).to_be_visible()
    expect(page.locator("#number-heading + p")).to_contain_text("Status: Listed")
    expect(page.get_by_role("table", name=f"Contacts from {NUMBER}")).to_contain_text("Spokane 2024")
    assert_fits(page)
    assert_accessible(page)
    screenshot(page, "desk-open")

    page.get_by_role("button", name="Accept for review").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"{NUMBER}: Under review.")
    expect(page.locator("#number-heading + p")).to_contain_text("Status: Under review")
    assert ListedNumber.objects.get(e164=NUMBER).status == ListedNumber.Status.UNDER_REVIEW
    assert_accessible(page)
    screenshot(page, "desk-under-review")

    page.get_by_label("Reason for removing the number").fill("The filer got the number after the contacts.")
    page.get_by_role("button", name="Remove the number and tell the filer").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"{NUMBER}: Resolved: number removed.")
    expect(
        page.get_by_role("table", name="What happened to this dispute and its number, oldest first")
    ).to_contain_text("Resolved: number removed")
    screenshot(page, "desk-resolved")
    assert ListedNumber.objects.get(e164=NUMBER).status == ListedNumber.Status.REMOVED
    assert "after the contacts" in mail_to(FILER, "Your dispute has been resolved").body
