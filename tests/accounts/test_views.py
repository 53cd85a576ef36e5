import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Organization
from audit.models import AuditEvent
from audit.services import record_event
from tests.accounts.conftest import ACME, confirmation_path
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def invite(org, email_local="new", role="hr"):
    services.invite_member(organization=org, email=f"{email_local}@{org.domains.get().domain}", role=role)
    return (
        next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/invitations/" in line)
        .split("testserver", 1)[-1]
        .replace("http://127.0.0.1:8000", "")
    )


def test_invitation_link_signs_up_once(client, org):
    link = invite(org)
    response = client.post(link, {"full_name": "New Person", "password": "a-long-new-password"})
    assert response.status_code == 302
    assert Membership.objects.get(user__email__startswith="new@").role == "hr"
    client.logout()
    second = client.post(link, {"full_name": "Someone Else", "password": "a-long-new-password"})
    assert second.status_code == 404
    assert b"cannot be used" in second.content
    assert Membership.objects.filter(user__email__startswith="new@").count() == 1


def test_invitation_opened_while_logged_in_as_someone_else_grants_nothing(client, org, legal):
    link = invite(org)
    client.force_login(legal)
    response = client.post(link)
    assert response.status_code == 403
    assert b"for someone else" in response.content
    assert not Membership.objects.filter(user__email__startswith="new@").exists()
    assert Membership.objects.get(user=legal).role == "legal"


def test_invitation_refuses_a_weak_password(client, org):
    link = invite(org)
    response = client.post(link, {"full_name": "New", "password": "password1234"})
    assert response.status_code == 200
    assert not Membership.objects.filter(user__email__startswith="new@").exists()


def test_admin_invites_changes_roles_and_removes(client, org, org_admin):
    client.force_login(org_admin)
    domain = org.domains.get().domain
    response = client.post(reverse("accounts:members"), {"email": "gmail@gmail.example", "role": "hr"})
    assert b"only to addresses on" in response.content
    client.post(reverse("accounts:members"), {"email": f"colleague@{domain}", "role": "hr"})
    assert mail.outbox[-1].to == [f"colleague@{domain}"]

    member = MembershipFactory(organization=org, role="legal")
    client.post(reverse("accounts:member_role", args=[member.pk]), {"role": "hr"})
    assert Membership.objects.get(pk=member.pk).role == "hr"
    client.post(reverse("accounts:member_remove", args=[member.pk]))
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_last_admin_sees_why_they_cannot_step_down(client, org, org_admin):
    client.force_login(org_admin)
    membership = org_admin.membership
    response = client.post(reverse("accounts:member_role", args=[membership.pk]), {"role": "legal"}, follow=True)
    assert b"at least one admin" in response.content
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_api_key_is_shown_once_and_stored_hashed(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("accounts:api_keys"), {"name": "HRIS", "member": org_admin.membership.pk, "expires_in_days": 30}
    )
    key = response.context["key"]
    api_key = response.context["api_key"]
    assert key.startswith(api_key.prefix + ".")
    assert key not in api_key.hashed_key
    listing = client.get(reverse("accounts:api_keys")).content.decode()
    assert api_key.prefix in listing and key not in listing


def test_org_audit_log_shows_only_the_orgs_events_and_filters(client, org, org_admin, legal):
    record_event(action="lookup", actor=legal)
    record_event(action="lookup", actor=MembershipFactory().user)
    client.force_login(org_admin)
    page = client.get(reverse("accounts:audit_log"), {"action": "lookup"})
    events = list(page.context["page"])
    assert [event.actor for event in events] == [legal]
    by_member = client.get(reverse("accounts:audit_log"), {"actor": org_admin.membership.pk})
    assert all(event.actor == org_admin for event in by_member.context["page"])


def ask_for_access(client, address="127.0.0.2", **fields):
    return client.post(reverse("accounts:request_access"), {**ACME, **fields}, REMOTE_ADDR=address)


def test_request_access_form_creates_a_pending_org_once_the_address_is_confirmed(client):
    response = ask_for_access(client)
    assert b"Check your email" in response.content
    confirm = confirmation_path(mail.outbox[-1])
    assert b"Send request" in client.get(confirm).content
    assert b"Request received" in client.post(confirm).content
    assert Organization.objects.get(name="Acme").status == "pending"


def test_request_access_answers_the_same_for_a_known_and_an_unknown_domain(client, org):
    """It said "This domain already belongs to an organization": anyone could learn who is a customer."""
    known = org.domains.get().domain
    answers, confirmations = [], []
    for domain in (known, "unknown.example"):
        response = ask_for_access(client, domain=domain, email=f"pat@{domain}", organization_name="X")
        answers.append(response.content.decode().replace(domain, "DOMAIN"))
        confirmations.append(client.post(confirmation_path(mail.outbox[-1])).content)
    assert answers[0] == answers[1]
    assert confirmations[0] == confirmations[1]
    assert Organization.objects.filter(name="X").count() == 1


def test_nothing_reaches_staff_before_the_requester_confirms_the_address(client, staff):
    """Anyone could create any number of pending organizations for any domain."""
    for n in range(3):
        ask_for_access(client, domain=f"victim{n}.example", email=f"someone@victim{n}.example")
    client.get(confirmation_path(mail.outbox[-1]))
    assert Organization.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="org.").exists()
    client.force_login(staff)
    assert b"victim" not in client.get(reverse("admin:accounts_organization_changelist")).content


def test_an_altered_confirmation_link_is_refused(client):
    ask_for_access(client)
    confirm = confirmation_path(mail.outbox[-1])
    altered = confirm.rstrip("/")[:-2] + "xx/"
    assert client.post(altered).status_code == 404
    assert not Organization.objects.exists()


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_request_access_floods_from_one_network_are_throttled(client, settings):
    limit = settings.ACCESS_REQUESTS_PER_IP_PER_HOUR
    answers = [ask_for_access(client, organization_name=f"Flood {n}").status_code for n in range(limit + 1)]
    assert answers == [200] * limit + [429]
    assert len(mail.outbox) == limit
    assert ask_for_access(client, address="127.0.0.3").status_code == 200


def test_staff_approve_in_the_admin_and_the_requester_is_invited(client, staff, requested_organization):
    organization = requested_organization()
    client.force_login(staff)
    client.post(
        reverse("admin:accounts_organization_changelist"), {"action": "approve", "_selected_action": [organization.pk]}
    )
    organization.refresh_from_db()
    assert organization.status == "approved"
    assert mail.outbox[-1].to == ["pat@acme.example"]
    assert AuditEvent.objects.filter(action="org.approved", actor=staff).exists()


def test_suspension_blocks_member_sessions_at_the_next_request(client, org, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("accounts:members")).status_code == 200
    services.set_organization_status(organization=org, status=Organization.Status.SUSPENDED)
    assert client.get(reverse("accounts:members")).status_code == 403


def test_logins_and_failures_are_audited(client):
    user = MembershipFactory().user
    client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong-password"})
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["auth.login_failed", "auth.login"]
    assert AuditEvent.objects.get(action="auth.login").ip_address == "127.0.0.1"


def test_repeated_failures_lock_the_account_out(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong-password"})
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(client):
    user = UserFactory()
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert mail.outbox[-1].to == [user.email]
    assert "/accounts/password-reset/" in mail.outbox[-1].body


def test_the_password_reset_link_follows_the_site_not_the_request(client, settings):
    settings.SITE_URL = "https://directory.example"
    settings.ALLOWED_HOSTS = ["elsewhere.example"]
    user = UserFactory()
    client.post(reverse("accounts:password_reset"), {"email": user.email}, HTTP_HOST="elsewhere.example")
    [link] = [line for line in mail.outbox[-1].body.splitlines() if "/accounts/password-reset/" in line]
    assert link.startswith("https://directory.example/accounts/password-reset/")


def test_dashboard_for_a_pending_org_member_says_they_cannot_search(client):
    member = MembershipFactory(organization=OrganizationFactory(status="pending")).user
    client.force_login(member)
    assert b"not a member of an approved organization" in client.get(reverse("front:dashboard")).content


def test_removing_a_member_asks_first_and_an_admin_cannot_remove_themselves_from_the_page(client, org, org_admin):
    member = MembershipFactory(organization=org, role="legal")
    client.force_login(org_admin)
    page = client.get(reverse("accounts:members")).content.decode()
    assert reverse("accounts:member_remove", args=[member.pk]) in page
    assert reverse("accounts:member_remove", args=[org_admin.membership.pk]) not in page
    question = client.get(reverse("accounts:member_remove", args=[member.pk]))
    assert f"Remove {member.user.email}?" in question.content.decode()
    assert Membership.objects.filter(pk=member.pk).exists()


def test_the_dialog_asks_the_same_question_as_the_page_without_script(client, org, org_admin):
    member = MembershipFactory(organization=org, role="legal")
    client.force_login(org_admin)
    page = client.get(reverse("accounts:members")).content.decode()
    question = client.get(reverse("accounts:member_remove", args=[member.pk])).content.decode()
    text = f"They lose access to {org} at once, and their API keys stop working. To bring them back, invite them again."
    assert f'data-confirm-title="Remove {member.user.email}?"' in page
    assert f'data-confirm-text="{text}"' in page and f"<p>{text}</p>" in question
    assert 'data-confirm-button="Remove member"' in page and "Remove member</button>" in question


def test_revoking_a_key_asks_first(client, org_admin):
    api_key, _ = services.create_api_key(user=org_admin, name="Nightly check")
    client.force_login(org_admin)
    question = client.get(reverse("accounts:api_key_revoke", args=[api_key.pk]))
    assert "Revoke key" in question.content.decode() and "Nightly check" in question.content.decode()
    api_key.refresh_from_db()
    assert not api_key.revoked
    client.post(reverse("accounts:api_key_revoke", args=[api_key.pk]))
    api_key.refresh_from_db()
    assert api_key.revoked


def ask_for_reset(client, email, address="127.0.0.2"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_a_password_reset_flood_to_one_address_sends_only_a_few_mails(client, settings):
    """Twenty requests in a second sent twenty mails to one mailbox."""
    user = UserFactory()
    answers = {ask_for_reset(client, user.email, f"127.0.0.{n}")["Location"] for n in range(2, 22)}
    assert answers == {reverse("accounts:password_reset_done")}
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_a_password_reset_flood_from_one_network_sends_only_a_few_mails(client, settings):
    users = UserFactory.create_batch(settings.PASSWORD_RESETS_PER_IP_PER_HOUR + 5)
    answers = {ask_for_reset(client, user.email)["Location"] for user in users}
    assert answers == {reverse("accounts:password_reset_done")}
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_IP_PER_HOUR


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_a_throttled_password_reset_answers_as_any_other(client, settings):
    user = UserFactory()
    first = ask_for_reset(client, user.email)
    unknown = ask_for_reset(client, "nobody@example.org")
    for _ in range(settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR):
        throttled = ask_for_reset(client, user.email)
    assert (first.status_code, first["Location"]) == (throttled.status_code, throttled["Location"])
    assert (unknown.status_code, unknown["Location"]) == (throttled.status_code, throttled["Location"])
    assert client.get(throttled["Location"]).content == client.get(first["Location"]).content
