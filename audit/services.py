"""The one place that writes audit events (SPEC section 6)."""

from contextlib import contextmanager
from typing import Any

from django.conf import settings

from audit.models import AuditEvent
from lib.hashing import number_hash
from lib.limits import LimitExceeded


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost trusted proxy saw in X-Forwarded-For (entries further left can be forged by the client)."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def email_hash(email: str) -> str:
    """Keyed hash of an email address, so an event keeps who acted without keeping the address.

    The same key as numbers' hashes; the prefix keeps an address from ever hashing like a number.
    """
    return number_hash(f"email:{email.strip().lower()}")


def record_event(
    *,
    action: str,
    request=None,
    actor=None,
    organization=None,
    number: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `number` is an E.164 string; only its keyed hash is stored."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if organization is None and actor is not None:
        membership = getattr(actor, "membership", None)
        organization = membership.organization if membership else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_email_hash=email_hash(actor.email) if actor else "",
        organization=organization,
        action=action,
        ip_address=client_ip(request),
        number_hash=number_hash(number) if number else "",
        detail=detail or {},
    )


def record_number_events(*, action: str, numbers: list[tuple[str, dict]], request=None, actor=None, organization=None):
    """One event per number (keyed hash only), written in one statement, so any number's history can be found."""
    ip = client_ip(request)
    actor_hash = email_hash(actor.email) if actor else ""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            actor_email_hash=actor_hash,
            organization=organization,
            action=action,
            ip_address=ip,
            number_hash=number_hash(e164),
            detail=detail,
        )
        for e164, detail in numbers
    )


@contextmanager
def refusal_recorded(*, action: str, detail: dict[str, Any], request=None, actor=None, organization=None):
    """Record a request a limit refused (with counts, never numbers), then let the refusal go on.

    Refused sweeps are exactly what an auditor looks for.
    """
    try:
        yield
    except LimitExceeded as error:
        record_event(
            action=action,
            request=request,
            actor=actor,
            organization=organization,
            detail={**detail, "limit": error.message},
        )
        raise
