"""Journey: deleting a screening asks first, in a dialog; Cancel keeps it, confirming deletes it."""

import pytest
from playwright.sync_api import expect

from screenings.models import Screening
from tests.browser.steps import log_in
from tests.factories import ScreeningFactory

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


def test_deleting_a_screening_asks_first(open_page, hr):
    screening = ScreeningFactory(organization=hr.membership.organization, filename="march.csv")
    page = open_page("hr")
    log_in(page, hr.email)
    page.goto(f"/screenings/{screening.pk}/")

    page.get_by_role("link", name="Delete this screening and its results").click()
    dialog = page.get_by_role("dialog", name="Delete this screening?")
    expect(dialog).to_contain_text("march.csv")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Screening.objects.filter(pk=screening.pk).exists()

    page.get_by_role("link", name="Delete this screening and its results").click()
    dialog.get_by_role("button", name="Delete screening").click()
    expect(page.locator("ul.messages")).to_contain_text("Screening of march.csv deleted")
    assert not Screening.objects.filter(pk=screening.pk).exists()
