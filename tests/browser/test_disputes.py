"""Journey: someone disputes a listing, confirming it with the code texted to the number; staff review
it and remove the number; it stops matching."""

import re

import pytest
import sms
from playwright.sync_api import Page, expect

from directory.models import ListedNumber
from disputes.models import Dispute
from tests.browser.steps import import_listing, log_in, mail_to, run_admin_action

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

NUMBER = "+12062264011"
FILER = "owner@example.net"


def code_texted_to(number: str) -> str:
    """The code in the last text message to this number (the live server shares the locmem outbox)."""
    sent = [message for message in sms.outbox if number in message.recipients]
    assert sent, f"no text message to {number}"
    return re.search(r"\b(\d{6})\b", sent[-1].body).group(1)


def outcome_of(page: Page, number: str) -> str:
    page.goto("/lookup/")
    page.get_by_label("Numbers").fill(number)
    page.get_by_role("button", name="Look up").click()
    return page.locator("#lookup-results tbody tr td:nth-child(3)").inner_text()


def test_a_disputed_number_is_removed_and_stops_matching(open_page, legal, staff):
    import_listing(NUMBER)
    member = open_page("legal")
    log_in(member, legal.email)
    assert outcome_of(member, "(206) 226-4011") == "Match"

    visitor = open_page("visitor")
    visitor.goto("/")
    visitor.get_by_role("link", name="Dispute a listing").click()
    visitor.get_by_label("Number:", exact=True).fill("(206) 226-4011")
    visitor.get_by_label("Your email").fill(FILER)
    visitor.get_by_label("Statement").fill("I got this number in March 2025.")
    visitor.get_by_role("button", name="Text me a code").click()
    expect(visitor.get_by_role("heading", name="Enter the code we texted you")).to_be_visible()
    assert not Dispute.objects.exists()
    visitor.get_by_label("Code").fill(code_texted_to(NUMBER))
    visitor.get_by_role("button", name="Confirm dispute").click()
    expect(visitor.get_by_role("heading", name="Thank you")).to_be_visible()
    mail_to(FILER, "We received your dispute")

    curator = open_page("staff")
    log_in(curator, staff.email, start="/admin/")
    curator.get_by_role("link", name="Dispute desk").first.click()
    run_admin_action(curator, NUMBER, "accept_for_review")
    expect(curator.locator("ul.messagelist")).to_contain_text(f"{NUMBER}: Under review.")
    assert outcome_of(member, NUMBER) == "No match"

    run_admin_action(curator, NUMBER, "resolve_removed")
    expect(curator.get_by_role("heading", name="Remove the disputed number")).to_be_visible()
    curator.get_by_label("Reason").fill("The filer got the number after the contacts were recorded.")
    curator.get_by_role("button", name="Remove and tell the filer").click()
    expect(curator.locator("ul.messagelist")).to_contain_text(f"{NUMBER}: Resolved: number removed.")

    assert outcome_of(member, NUMBER) == "No match"
    assert ListedNumber.objects.get(e164=NUMBER).status == ListedNumber.Status.REMOVED
    assert Dispute.objects.get(e164=NUMBER).status == Dispute.Status.REMOVED
    resolved = mail_to(FILER, "Your dispute has been resolved")
    assert "after the contacts were recorded" in resolved.body
