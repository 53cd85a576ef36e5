"""Every page a member or visitor sees, filled with data: for the layout and accessibility checks
and for `make screenshots`.

`build_site()` makes one organization (an admin, an HR and a legal member), imports the sample
directory, runs a real screening of the sample list and leaves alerts, keys, an invitation and
audit events behind. `PAGES` names each page, who opens it and how to get it to the state a
person would look at.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import services as accounts
from accounts.models import Membership
from directory.importing import import_contacts
from directory.models import Contact
from front.errors import server_error
from screenings import services as screenings
from screenings.models import Alert, Screening, ScreeningDraft, WatchedNumber
from tests.browser.steps import log_in
from tests.factories import MembershipFactory, OrganizationFactory

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PASTED_NUMBERS = "(206) 226-4011\n425-947-1841\n+1 206 226 4011\n12345\n509.683.0534, 2020-01-01, 2020-12-31\n"


@dataclass
class Site:
    """The people and objects the pages show."""

    members: dict[str, Membership]
    screening: Screening
    running: Screening
    draft: ScreeningDraft


@dataclass(frozen=True)
class SitePage:
    name: str
    who: str  # "admin", "hr", "legal" or "visitor"
    path: Callable[[Site], str]
    prepare: Callable[[Page, Site], None] | None = None  # after the page opened
    member_page: bool = True
    intercept: Callable[[Page], None] | None = None  # before the page opens


def build_site() -> Site:
    import_contacts((SAMPLES / "contacts.csv").read_bytes(), create_operations=True)
    organization = OrganizationFactory(name="Example Corp", domain__domain="example.com")
    members = {
        role: MembershipFactory(
            organization=organization,
            role=role,
            user__email=f"{role}@example.com",
            user__full_name=f"{label} Person",
        )
        for role, label in (("admin", "Avery Admin"), ("hr", "Harper HR"), ("legal", "Logan Legal"))
    }
    screening = screenings.create_screening(
        membership=members["hr"],
        filename="staff-phones-march.csv",
        data=(SAMPLES / "lists" / "windows.csv").read_bytes(),
        monitor=True,
    )
    running = Screening.objects.create(
        organization=organization,
        created_by=members["hr"].user,
        filename="contractors-2025.xlsx",
        region="US",
        phone_column="Mobile",
        status=Screening.Status.RUNNING,
        total_rows=48_250,
        processed_rows=20_000,
        started_at=timezone.now(),
    )
    watched = WatchedNumber.objects.filter(watch__screening=screening).order_by("row")
    for contact, number in zip(Contact.objects.order_by("-occurred_at")[:3], watched, strict=False):
        Alert.objects.create(organization=organization, watched_number=number, contact=contact)
    accounts.create_api_key(user=members["hr"].user, name="HR system nightly check", expires_in_days=90)
    accounts.create_api_key(user=members["admin"].user, name="Payroll export", expires_in_days=None)
    accounts.invite_member(organization=organization, email="new.counsel@example.com", role="legal")
    draft = screenings.create_draft(
        membership=members["hr"],
        filename="hr-export-march.csv",
        data=b"Employee,Work phone,Mobile,Home phone,Assigned from\n"
        + b"E1001,(206) 555-0100,+44 7700 900123,,2023-01-01\nE1002,206-555-0117,,(206) 555-0142,2024-06-01\n",
    )
    screening = Screening.objects.get(pk=screening.pk)
    return Site(members=members, screening=screening, running=running, draft=draft)


def look_up(page: Page, site: Site) -> None:
    page.get_by_label("Numbers").fill(PASTED_NUMBERS)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()


def open_delete_dialog(page: Page, site: Site) -> None:
    page.get_by_role("link", name="Delete this screening and its results").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def reach_quota(page: Page, site: Site) -> None:
    organization = site.members["legal"].organization
    organization.daily_lookup_quota = 1
    organization.save(update_fields=["daily_lookup_quota"])
    page.get_by_label("Numbers").fill("(206) 226-4011\n425-947-1841\n")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name="Your organization has reached a limit")).to_be_visible()


def serve_server_error(page: Page) -> None:
    """No page fails on purpose: the browser is handed the 500 page as the server would send it."""
    body = server_error(None).content.decode()
    page.route("**/server-error/", lambda route: route.fulfill(status=500, body=body, content_type="text/html"))


def screening_path(site: Site) -> str:
    return f"/screenings/{site.screening.pk}/"


def evidence_report_path(site: Site) -> str:
    match = site.screening.results.filter(outcome="match").order_by("row").first()
    return f"/screenings/{site.screening.pk}/rows/{match.row}/evidence/?column={match.column}"


PAGES = [
    SitePage("dashboard", "admin", lambda site: "/dashboard/"),
    SitePage("lookup", "legal", lambda site: "/lookup/", look_up),
    SitePage("screenings", "hr", lambda site: "/screenings/"),
    SitePage("screening", "hr", screening_path),
    SitePage("screening-running", "hr", lambda site: f"/screenings/{site.running.pk}/"),
    SitePage("new-screening", "hr", lambda site: "/screenings/new/"),
    SitePage("confirm-columns", "hr", lambda site: f"/screenings/new/{site.draft.pk}/"),
    SitePage("delete-screening", "hr", lambda site: f"/screenings/{site.screening.pk}/delete/"),
    SitePage("delete-screening-dialog", "hr", screening_path, open_delete_dialog),
    SitePage("alerts", "admin", lambda site: "/alerts/"),
    SitePage("watches", "hr", lambda site: "/watches/"),
    SitePage("evidence-report", "hr", evidence_report_path),
    SitePage("private-screening", "hr", lambda site: "/screenings/private/"),
    SitePage("members", "admin", lambda site: "/accounts/organization/members/"),
    SitePage("api-keys", "admin", lambda site: "/accounts/organization/api-keys/"),
    SitePage("audit-log", "admin", lambda site: "/accounts/organization/audit-log/"),
    SitePage("error-403", "legal", lambda site: "/screenings/new/"),
    SitePage("error-404", "admin", lambda site: f"/screenings/{uuid.uuid4()}/"),
    SitePage("error-429", "legal", lambda site: "/lookup/", reach_quota),
    SitePage("error-500", "admin", lambda site: "/server-error/", intercept=serve_server_error),
    SitePage("home", "visitor", lambda site: "/", member_page=False),
    SitePage("how-it-works", "visitor", lambda site: "/how-it-works/", member_page=False),
    SitePage("login", "visitor", lambda site: "/accounts/login/", member_page=False),
    SitePage("request-access", "visitor", lambda site: "/accounts/request-access/", member_page=False),
    SitePage("dispute", "visitor", lambda site: "/disputes/new/", member_page=False),
]


def open_site_page(open_page, site: Site, entry: SitePage, width: int) -> Page:
    """A fresh browser as the page's person, at this width, showing the page in the state to check."""
    page = open_page(f"{entry.name}-{width}")
    page.set_viewport_size({"width": width, "height": 900})
    if entry.who != "visitor":
        log_in(page, site.members[entry.who].user.email)
    if entry.intercept is not None:
        entry.intercept(page)
    page.goto(entry.path(site))
    if entry.prepare is not None:
        entry.prepare(page, site)
    return page
