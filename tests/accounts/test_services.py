from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey, Invitation, Membership, Organization
from audit.models import AuditEvent
from tests.accounts.conftest import ACME, confirmation_token
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def token_from_mail() -> str:
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/invitations/" in line)
    return link.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def domain(org):
    return org.domains.get().domain


def test_invitation_goes_only_to_the_orgs_domains(org, domain):
    with pytest.raises(services.AccessError, match="only to addresses on"):
        services.invite_member(organization=org, email="someone@gmail.example", role="legal")
    assert not mail.outbox
    services.invite_member(organization=org, email=f"Someone@{domain.upper()}", role="legal")
    assert mail.outbox[0].to == [f"someone@{domain}"]


def test_invitation_is_single_use(org, domain):
    services.invite_member(organization=org, email=f"new@{domain}", role="hr")
    token = token_from_mail()
    membership = services.accept_invitation(token=token, password="a-long-new-password", full_name="New")
    assert (membership.organization, membership.role) == (org, "hr")
    with pytest.raises(services.AccessError, match="not valid"):
        services.accept_invitation(token=token, password="a-long-new-password", full_name="Again")
    assert Membership.objects.filter(user__email=f"new@{domain}").count() == 1


def test_expired_and_revoked_invitations_grant_nothing(org, domain):
    services.invite_member(organization=org, email=f"late@{domain}", role="hr")
    token = token_from_mail()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.AccessError):
        services.accept_invitation(token=token, password="a-long-new-password")
    invitation = services.invite_member(organization=org, email=f"revoked@{domain}", role="hr")
    token = token_from_mail()
    services.revoke_invitation(invitation=invitation)
    with pytest.raises(services.AccessError):
        services.accept_invitation(token=token, password="a-long-new-password")
    assert not Membership.objects.filter(user__email__in=[f"late@{domain}", f"revoked@{domain}"]).exists()


def test_resending_replaces_the_link(org, domain):
    invitation = services.invite_member(organization=org, email=f"new@{domain}", role="hr")
    old = token_from_mail()
    services.resend_invitation(invitation=invitation)
    new = token_from_mail()
    assert old != new
    with pytest.raises(services.AccessError):
        services.accept_invitation(token=old, password="a-long-new-password")
    services.accept_invitation(token=new, password="a-long-new-password")


def test_the_last_admin_cannot_leave_or_step_down(org):
    admin = MembershipFactory(organization=org, role="admin")
    with pytest.raises(services.AccessError, match="at least one admin"):
        services.change_role(membership=admin, role="legal")
    with pytest.raises(services.AccessError, match="at least one admin"):
        services.remove_member(membership=admin)
    second = MembershipFactory(organization=org, role="admin")
    services.change_role(membership=admin, role="legal")
    assert Membership.objects.get(pk=admin.pk).role == "legal"
    with pytest.raises(services.AccessError):
        services.remove_member(membership=second)


def test_removing_a_member_revokes_their_keys(org):
    MembershipFactory(organization=org, role="admin")
    member = MembershipFactory(organization=org, role="hr")
    api_key, _ = services.create_api_key(user=member.user, name="nightly")
    services.remove_member(membership=member)
    assert ApiKey.objects.get(pk=api_key.pk).revoked
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_request_access_then_approval_invites_the_requester(requested_organization):
    organization = requested_organization()
    assert organization.status == Organization.Status.PENDING
    invitation = services.approve_organization(organization=organization)
    assert (invitation.email, invitation.role) == ("pat@acme.example", "admin")
    assert mail.outbox[-1].to == ["pat@acme.example"]
    assert organization.domains.get().verified_at is not None


def test_request_access_needs_an_address_on_the_domain(org, domain):
    with pytest.raises(services.AccessError, match="Use an email address on"):
        services.request_access(
            organization_name="X", domain="x.example", name="P", title="T", email="p@gmail.example", reason="r"
        )


def test_confirming_for_a_known_domain_adds_no_organization_and_tells_staff(org, domain, requested_organization):
    assert requested_organization(domain=domain, email=f"p@{domain}") is None
    assert Organization.objects.count() == 1
    event = AuditEvent.objects.get(action="org.access_requested_again")
    assert (event.organization, event.detail["known_organization"]) == (None, org.pk)


def test_an_altered_or_expired_confirmation_link_makes_nothing(monkeypatch):
    services.request_access(**ACME)
    token = confirmation_token(mail.outbox[-1])
    with pytest.raises(services.AccessError, match="not valid or has expired"):
        services.confirm_access_request(token=token[:-2] + "xx")
    monkeypatch.setattr("accounts.services.ACCESS_REQUEST_LINK_VALID", timedelta(seconds=-1))
    with pytest.raises(services.AccessError, match="not valid or has expired"):
        services.confirm_access_request(token=token)
    assert not Organization.objects.exists()


def test_every_access_change_is_audited(org, domain):
    admin = MembershipFactory(organization=org, role="admin")
    invitation = services.invite_member(organization=org, email=f"a@{domain}", role="hr", invited_by=admin.user)
    services.resend_invitation(invitation=invitation)
    services.accept_invitation(token=token_from_mail(), password="a-long-new-password")
    member = Membership.objects.get(user__email=f"a@{domain}")
    services.change_role(membership=member, role="legal")
    key, _ = services.create_api_key(user=member.user, name="k")
    services.revoke_api_key(api_key=key)
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {
        "member.invited",
        "member.invitation_resent",
        "member.joined",
        "member.role_changed",
        "api_key.created",
        "api_key.revoked",
    } <= actions


@pytest.mark.parametrize(("region", "valid"), [("GB", True), ("gb", False), ("XX", False)])
def test_an_organizations_region_follows_the_region_rule(region, valid):
    """A region saved in the admin as "gb" or "XX" would make every national number invalid in lookups."""
    organization = OrganizationFactory.build(default_region=region)
    if valid:
        organization.full_clean(exclude=["name"])
    else:
        with pytest.raises(ValidationError):
            organization.full_clean(exclude=["name"])
