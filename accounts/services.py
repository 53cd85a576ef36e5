"""Writes for organizations, members, invitations and API keys (SPEC section 1).

Each service checks its rule before it saves and records an audit event.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey, Invitation, Membership, Organization, OrganizationDomain, User
from accounts.roles import CURATION_PERMISSIONS
from audit.services import record_event
from lib.errors import DomainError


class AccessError(DomainError):
    """A request the rules refuse; the message is shown to the person as it is."""


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_templated_mail(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


ACCESS_REQUEST_SALT = "accounts.access-request"
ACCESS_REQUEST_LINK_VALID = timedelta(days=2)


def request_access(
    *, organization_name: str, domain: str, name: str, title: str, email: str, reason: str, request=None
) -> None:
    """Mail the requester a signed link to confirm their address. Nothing is stored, nothing reaches staff.

    The answer is the same whether or not the domain already has an organization: a stranger learns
    nothing about who is a customer, and only someone who reads mail on the domain gets further.
    """
    domain = domain.strip().lower().removeprefix("@")
    if email_domain(email) != domain:
        raise AccessError(f"Use an email address on {domain}, the domain you asked access for.")
    details = {
        "organization_name": organization_name.strip(),
        "domain": domain,
        "name": name.strip(),
        "title": title.strip(),
        "email": email.strip().lower(),
        "reason": reason.strip(),
    }
    token = signing.dumps(details, salt=ACCESS_REQUEST_SALT, compress=True)
    send_templated_mail(
        to=details["email"],
        subject="Confirm your request for access to the Accountability Directory",
        template="accounts/email/request_access_confirm.txt",
        context={
            "details": details,
            "link": settings.SITE_URL + reverse("accounts:confirm_access_request", args=[token]),
            "valid_days": ACCESS_REQUEST_LINK_VALID.days,
        },
    )


def open_access_request(token: str) -> dict | None:
    """The request a confirmation link carries, or None when the link was altered or has expired."""
    try:
        return signing.loads(token, salt=ACCESS_REQUEST_SALT, max_age=ACCESS_REQUEST_LINK_VALID)
    except signing.BadSignature:
        return None


@transaction.atomic
def confirm_access_request(*, token: str, request=None) -> Organization | None:
    """The requester opened the link: a new domain becomes a pending organization for staff to review.

    A domain that already has an organization gets no new one; staff see the attempt in the audit log.
    """
    details = open_access_request(token)
    if details is None:
        raise AccessError("This link is not valid or has expired. Ask for access again.")
    known = OrganizationDomain.objects.filter(domain=details["domain"]).first()
    if known is not None:
        detail = {"domain": details["domain"], "email": details["email"], "known_organization": known.organization_id}
        record_event(action="org.access_requested_again", request=request, detail=detail)
        return None
    organization = Organization.objects.create(
        name=details["organization_name"],
        requester_name=details["name"],
        requester_title=details["title"],
        requester_email=details["email"],
        request_reason=details["reason"],
    )
    OrganizationDomain.objects.create(organization=organization, domain=details["domain"])
    record_event(
        action="org.access_requested", request=request, organization=organization, detail={"domain": details["domain"]}
    )
    return organization


@transaction.atomic
def approve_organization(*, organization: Organization, request=None) -> Invitation | None:
    """Approve an organization, verify its domains and invite the requester as its first admin."""
    organization.status = Organization.Status.APPROVED
    organization.approved_at = timezone.now()
    organization.save(update_fields=["status", "approved_at"])
    organization.domains.filter(verified_at__isnull=True).update(verified_at=timezone.now())
    record_event(action="org.approved", request=request, organization=organization)
    has_admin = organization.memberships.filter(role=Membership.Role.ADMIN).exists()
    if organization.requester_email and not has_admin:
        return invite_member(
            organization=organization,
            email=organization.requester_email,
            role=Membership.Role.ADMIN,
            invited_by=request.user if request else None,
            request=request,
        )
    return None


def set_organization_status(*, organization: Organization, status: str, request=None) -> Organization:
    """Suspend, reject or reinstate; a suspension blocks every member at their next request."""
    organization.status = status
    organization.save(update_fields=["status"])
    record_event(action=f"org.{status}", request=request, organization=organization)
    return organization


def invite_member(*, organization: Organization, email: str, role: str, invited_by=None, request=None) -> Invitation:
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise AccessError("Choose a role: legal, hr or admin.")
    domains = set(organization.domains.values_list("domain", flat=True))
    if email_domain(email) not in domains:
        raise AccessError(f"Invitations go only to addresses on {', '.join(sorted(domains)) or 'verified domains'}.")
    if Membership.objects.filter(user__email=email).exists():
        raise AccessError("This person is already a member of an organization.")
    invitation = Invitation(organization=organization, email=email, role=role, invited_by=invited_by)
    token = _issue_token(invitation)
    record_event(
        action="member.invited",
        request=request,
        actor=invited_by,
        organization=organization,
        detail={"email": email, "role": role},
    )
    _send_invitation(invitation, token)
    return invitation


def _issue_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save()
    return token


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL + reverse("accounts:accept_invitation", args=[token])
    send_templated_mail(
        to=invitation.email,
        subject=f"Invitation to {invitation.organization} on the Accountability Directory",
        template="accounts/email/invitation.txt",
        context={"invitation": invitation, "link": link},
    )


def resend_invitation(*, invitation: Invitation, request=None) -> Invitation:
    """A new link with a new expiry; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise AccessError("This invitation was already used or revoked.")
    token = _issue_token(invitation)
    record_event(
        action="member.invitation_resent",
        request=request,
        organization=invitation.organization,
        detail={"email": invitation.email},
    )
    _send_invitation(invitation, token)
    return invitation


def revoke_invitation(*, invitation: Invitation, request=None) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        action="member.invitation_revoked",
        request=request,
        organization=invitation.organization,
        detail={"email": invitation.email},
    )


def open_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("organization").filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_open or not invitation.organization.is_approved:
        return None
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, password: str = "", full_name: str = "", user=None, request=None) -> Membership:
    """Turn an open invitation into a membership, once: a second use finds nothing to claim."""
    invitation = open_invitation(token)
    if invitation is None:
        raise AccessError("This invitation link is not valid: it was used, revoked or has expired.")
    if user is not None and user.email != invitation.email:
        raise AccessError("This invitation is for another address. Log out first, then open the link again.")
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:
        raise AccessError("This invitation link is not valid: it was used, revoked or has expired.")
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise AccessError("An account with this address exists. Log in first, then open the link again.")
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    membership = Membership.objects.create(user=user, organization=invitation.organization, role=invitation.role)
    record_event(
        action="member.joined",
        request=request,
        actor=user,
        organization=invitation.organization,
        detail={"role": invitation.role},
    )
    return membership


def _other_admins(membership: Membership):
    return membership.organization.memberships.filter(role=Membership.Role.ADMIN).exclude(pk=membership.pk)


def change_role(*, membership: Membership, role: str, request=None) -> Membership:
    if role not in Membership.Role.values:
        raise AccessError("Choose a role: legal, hr or admin.")
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN and not _other_admins(membership):
        raise AccessError("An organization needs at least one admin. Make someone else admin first.")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record_event(
        action="member.role_changed",
        request=request,
        organization=membership.organization,
        detail={"member": membership.user.email, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, request=None) -> None:
    """Remove a member: their membership and API keys go; their account can no longer search."""
    if membership.role == Membership.Role.ADMIN and not _other_admins(membership):
        raise AccessError("An organization needs at least one admin. Make someone else admin first.")
    user = membership.user
    ApiKey.objects.filter(user=user, revoked=False).update(revoked=True)
    record_event(
        action="member.removed", request=request, organization=membership.organization, detail={"member": user.email}
    )
    membership.delete()


def create_api_key(*, user: User, name: str, expires_in_days: int | None = None, request=None) -> tuple[ApiKey, str]:
    """Create a key for a member; the full key is returned once and only its hash is kept."""
    membership = getattr(user, "membership", None)
    if membership is None:
        raise AccessError("API keys belong to members of an organization.")
    expiry = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    api_key, key = ApiKey.objects.create_key(user=user, name=name or "API key", expiry_date=expiry)
    record_event(
        action="api_key.created",
        request=request,
        organization=membership.organization,
        detail={"key": api_key.prefix, "member": user.email},
    )
    return api_key, key


def revoke_api_key(*, api_key: ApiKey, request=None) -> None:
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    membership = getattr(api_key.user, "membership", None)
    record_event(
        action="api_key.revoked",
        request=request,
        organization=membership.organization if membership else None,
        detail={"key": api_key.prefix, "member": api_key.user.email},
    )


def grant_curation(user: User) -> None:
    """Make a staff account a curator: the model permissions of accounts.roles.CURATION_PERMISSIONS."""
    for app_label, codename in CURATION_PERMISSIONS:
        granted = Permission.objects.filter(content_type__app_label=app_label)
        user.user_permissions.add(*(granted.filter(codename=codename) if codename else granted))
