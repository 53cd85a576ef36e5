"""Disputes: filed by anyone, reviewed and resolved by staff, the filer told each outcome (SPEC section 5)."""

from django.db import transaction
from django.utils import timezone

from accounts.services import send_templated_mail
from audit.services import record_event
from directory.models import ListedNumber
from directory.services import DirectoryError, check_status_change, set_number_status
from disputes.models import Dispute
from lib.errors import DomainError


class DisputeError(DomainError):
    """A step the dispute's state does not allow; the message says why."""


def file_dispute(*, e164: str, contact_email: str, statement: str, held_since=None, request=None) -> Dispute:
    """Record a dispute and confirm it by email, the same way whether or not the number is listed."""
    dispute = Dispute.objects.create(
        e164=e164, contact_email=contact_email.strip().lower(), statement=statement.strip(), held_since=held_since
    )
    record_event(action="dispute.filed", request=request, number=e164, detail={"dispute": dispute.pk})
    send_templated_mail(
        to=dispute.contact_email,
        subject="We received your dispute",
        template="disputes/email/received.txt",
        context={"dispute": dispute},
    )
    return dispute


def _listed_number(dispute: Dispute) -> ListedNumber | None:
    return ListedNumber.objects.filter(e164=dispute.e164).first()


@transaction.atomic
def accept_for_review(*, dispute: Dispute, request=None) -> Dispute:
    """Staff accept the dispute: a listed number goes under review and stops matching at once."""
    if dispute.status != Dispute.Status.OPEN:
        raise DisputeError("Only open disputes can be accepted for review.")
    number = _listed_number(dispute)
    if number is None:
        return _close(dispute, Dispute.Status.NOT_LISTED, "The number is not in the directory.", request)
    if number.status == ListedNumber.Status.LISTED:
        set_number_status(
            number=number,
            status=ListedNumber.Status.UNDER_REVIEW,
            reason=f"Dispute #{dispute.pk} under review",
            request=request,
        )
    dispute.status = Dispute.Status.UNDER_REVIEW
    dispute.reviewed_by = request.user if request else None
    dispute.save(update_fields=["status", "reviewed_by"])
    record_event(action="dispute.accepted", request=request, number=dispute.e164, detail={"dispute": dispute.pk})
    return dispute


@transaction.atomic
def resolve(*, dispute: Dispute, remove: bool, reason: str = "", request=None) -> Dispute:
    """Remove the number (a reason is required) or put it back to listed; the filer is told."""
    if dispute.status != Dispute.Status.UNDER_REVIEW:
        raise DisputeError("Accept the dispute for review before resolving it.")
    number = _listed_number(dispute)
    number_status = ListedNumber.Status.REMOVED if remove else ListedNumber.Status.LISTED
    try:
        check_status_change(number_status, reason)
        if number is not None and (remove or number.status == ListedNumber.Status.UNDER_REVIEW):
            set_number_status(number=number, status=number_status, reason=reason if remove else "", request=request)
    except DirectoryError as error:
        raise DisputeError(str(error)) from None
    status = Dispute.Status.REMOVED if remove else Dispute.Status.RELISTED
    return _close(dispute, status, reason.strip(), request)


def _close(dispute: Dispute, status: str, reason: str, request) -> Dispute:
    dispute.status = status
    dispute.resolution_reason = reason
    dispute.resolved_at = timezone.now()
    dispute.reviewed_by = request.user if request else dispute.reviewed_by
    dispute.save(update_fields=["status", "resolution_reason", "resolved_at", "reviewed_by"])
    record_event(action=f"dispute.{status}", request=request, number=dispute.e164, detail={"dispute": dispute.pk})
    send_templated_mail(
        to=dispute.contact_email,
        subject="Your dispute has been resolved",
        template="disputes/email/resolved.txt",
        context={"dispute": dispute},
    )
    return dispute
