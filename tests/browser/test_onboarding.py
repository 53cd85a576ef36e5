"""Journey: an organization asks for access, staff approve it, its first admin joins with a
second factor and invites a colleague."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Invitation, Membership, Organization
from tests.browser.steps import current_code, log_in, mail_to, run_admin_action

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

COUNSEL = "counsel@acme-widgets.example"
INVITATION_PATH = re.compile(r"https?://\S+?(/accounts/invitations/[\w-]+/)")
CONFIRMATION_PATH = re.compile(r"https?://\S+?(/accounts/request-access/\S+/)")


def test_an_organization_joins_and_its_admin_invites_hr(open_page, staff, settings):
    settings.REQUIRE_2FA = True
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)

    visitor = open_page("requester")
    visitor.goto("/")
    visitor.get_by_role("link", name="Request access for your organization").click()
    visitor.get_by_label("Organization:", exact=True).fill("Acme Widgets")
    visitor.get_by_label("Email domain").fill("acme-widgets.example")
    visitor.get_by_label("Your name").fill("Casey Counsel")
    visitor.get_by_label("Your title").fill("General Counsel")
    visitor.get_by_label("Your work email").fill(COUNSEL)
    visitor.get_by_label("Why your organization needs access").fill("We screen our 400 company phones.")
    visitor.get_by_role("button", name="Send request").click()
    expect(visitor.get_by_role("heading", name="Check your email")).to_be_visible()
    assert not Organization.objects.filter(name="Acme Widgets").exists()
    confirmation = mail_to(COUNSEL, "Confirm your request")
    visitor.goto(CONFIRMATION_PATH.search(confirmation.body).group(1))
    visitor.get_by_role("button", name="Send request").click()
    expect(visitor.get_by_role("heading", name="Request received")).to_be_visible()
    assert Organization.objects.get(name="Acme Widgets").status == Organization.Status.PENDING

    curator = open_page("staff")
    log_in(curator, staff.email, start="/admin/")
    expect(curator.get_by_role("heading", name="Enter your code")).to_be_visible()
    curator.get_by_label("Code").fill(current_code(staff.totpdevice_set.get()))
    curator.get_by_role("button", name="Continue").click()
    curator.get_by_role("link", name="Organizations", exact=True).click()
    run_admin_action(curator, "Acme Widgets", "approve")
    expect(curator.locator("ul.messagelist")).to_contain_text(f"Acme Widgets approved; invitation sent to {COUNSEL}.")

    invitation = mail_to(COUNSEL, "Invitation to Acme Widgets")
    visitor.goto(INVITATION_PATH.search(invitation.body).group(1))
    expect(visitor.get_by_role("heading", name="Join Acme Widgets")).to_be_visible()
    visitor.get_by_label("Your name").fill("Casey Counsel")
    visitor.get_by_label("Choose a password").fill("correct horse battery staple 42")
    visitor.get_by_role("button", name="Join").click()

    expect(visitor.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(visitor.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user__email=COUNSEL, confirmed=False)
    visitor.get_by_label("Code").fill(current_code(device))
    visitor.get_by_role("button", name="Turn on").click()
    expect(visitor.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(visitor.locator("ul.codes li")).to_have_count(10)
    visitor.get_by_role("link", name="Continue").click()

    visitor.get_by_role("link", name="Members").click()
    expect(visitor.get_by_role("cell", name=COUNSEL)).to_be_visible()
    visitor.get_by_label("Email").fill("hr@acme-widgets.example")
    visitor.get_by_label("Role:", exact=True).select_option("hr")
    visitor.get_by_role("button", name="Send invitation").click()
    expect(visitor.locator("ul.messages")).to_contain_text("Invitation sent to hr@acme-widgets.example.")
    expect(visitor.get_by_role("cell", name="hr@acme-widgets.example")).to_be_visible()

    assert Membership.objects.get(user__email=COUNSEL).role == Membership.Role.ADMIN
    assert Invitation.objects.get(email="hr@acme-widgets.example").role == Membership.Role.HR
    mail_to("hr@acme-widgets.example", "Invitation to Acme Widgets")
