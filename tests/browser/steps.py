"""Steps the journeys share: logging in, looking numbers up, second factors, admin actions, mail."""

import re

from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from directory.importing import import_contacts
from directory.models import ListedNumber
from tests.factories import PASSWORD


def log_in(page: Page, email: str, password: str = PASSWORD, *, start: str = "/accounts/login/") -> None:
    """Log in from the site's form (or the admin's, with start="/admin/") and wait until it is done."""
    page.goto(start)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile(r"^Log out"))).to_be_visible()


def look_up_from_the_menu(page: Page, numbers: str) -> None:
    """Open the lookup page from the menu, paste the numbers and look them up."""
    page.get_by_role("link", name="Look up", exact=True).click()
    page.get_by_label("Numbers").fill(numbers)
    page.get_by_role("button", name="Look up").click()


def current_code(device) -> str:
    """The six digits an authenticator app would show now for this TOTP device."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def run_admin_action(page: Page, row_text: str, action: str) -> None:
    """Tick one row of an admin change list and run an action on it."""
    page.locator("#result_list tbody tr", has_text=row_text).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def mail_to(address: str, subject_part: str) -> mail.EmailMessage:
    """The last email sent to this address with this in its subject (the live server shares the outbox)."""
    sent = [m for m in mail.outbox if address in m.to and subject_part in m.subject]
    assert sent, f"no email to {address} about {subject_part!r}; sent: {[(m.to, m.subject) for m in mail.outbox]}"
    return sent[-1]


def import_listing(e164: str) -> ListedNumber:
    """List one number with two contacts, the way staff import them."""
    rows = [
        "number,occurred_at,channel,operation",
        f"{e164},2023-08-26T13:38:00+00:00,call,Seattle Summer 2023",
        f"{e164},2024-02-02T00:45:00+00:00,text,Spokane 2024",
    ]
    import_contacts("\n".join(rows).encode(), create_operations=True)
    return ListedNumber.objects.get(e164=e164)
