"""Disputes: filed by whoever controls the number, reviewed and resolved by staff, the filer told each
outcome (SPEC section 5)."""

import logging
from datetime import timedelta

import sms
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

from accounts.services import send_templated_mail
from audit.services import client_ip, record_event
from directory.models import ListedNumber
from directory.services import DirectoryError, check_status_change, set_number_status
from disputes.models import Dispute, PendingDispute
from lib import limits
from lib.errors import DomainError
from lib.hashing import number_hash

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
WRONG_CODES_ALLOWED = 5
WRONG_CODE = "That is not the code we sent, or it has expired. Check the text message, or start again for a new code."


class DisputeError(DomainError):
    """A step the dispute's state does not allow; the message says why."""


def purge_expired_codes(*, dry_run: bool = False) -> int:
    """Disputes whose texted code expired unused: their number, email and statement go."""
    expired = PendingDispute.objects.filter(expires_at__lte=timezone.now())
    return expired.count() if dry_run else expired.delete()[0]


def request_code(*, e164: str, contact_email: str, statement: str, held_since=None, request=None) -> PendingDispute:
    """Keep the dispute aside and text a one-time code to the number; the code files it.

    Nothing here reads the directory, so the answer cannot depend on whether the number is listed.
    Raises limits.LimitExceeded past the per-number or per-address limit (the refusal is audited).
    """
    purge_expired_codes()
    try:
        limits.consume_dispute_code(number_hash(e164), client_ip(request))
    except limits.LimitExceeded as error:
        record_event(action="dispute.refused", request=request, number=e164, detail={"limit": error.message})
        raise
    code = get_random_string(CODE_DIGITS, allowed_chars="0123456789")
    with transaction.atomic():
        pending = PendingDispute.objects.create(
            e164=e164,
            contact_email=contact_email,
            statement=statement,
            held_since=held_since,
            code_hash=_code_hash(e164, code),
            expires_at=timezone.now() + timedelta(minutes=settings.DISPUTE_CODE_VALID_MINUTES),
        )
        _text_code(e164, code)
    record_event(action="dispute.code_sent", request=request, number=e164)
    return pending


def _code_hash(e164: str, code: str) -> str:
    """Keyed with SECRET_KEY: a copy of the table alone does not give the six digits away."""
    return salted_hmac("disputes.code", f"{e164}:{code}", algorithm="sha256").hexdigest()


def _text_code(e164: str, code: str) -> None:
    """Send the code; a provider that fails is logged by the kind of error only, never with the code."""
    body = (
        f"Accountability Directory: {code} is your code to confirm a dispute about this number. "
        f"It expires in {settings.DISPUTE_CODE_VALID_MINUTES} minutes. If you did not ask for it, ignore this message."
    )
    try:
        sms.send_sms(body=body, recipients=[e164])
    except Exception as error:  # any failure of the provider gets the same answer
        logger.error("A dispute code could not be texted: %s", type(error).__name__)
        raise DisputeError("We could not send a text message to this number just now. Try again later.") from None


def confirm_code(*, pending_id: int, code: str, request=None) -> Dispute:
    """File the pending dispute if `code` is the one texted to its number: once, before it expires,
    and within WRONG_CODES_ALLOWED wrong tries."""
    with transaction.atomic():
        pending = _claim(pending_id, code.strip())
        if pending is not None:
            filing = model_to_dict(pending, fields=["e164", "contact_email", "statement", "held_since"])
            return file_dispute(**filing, request=request)
    record_event(action="dispute.code_refused", request=request, detail={"pending": pending_id})
    raise DisputeError(WRONG_CODE)


def _claim(pending_id: int, code: str) -> PendingDispute | None:
    """The pending dispute, deleted so its code cannot serve twice; None (a wrong try counted) if not."""
    pending = (
        PendingDispute.objects.select_for_update()
        .filter(pk=pending_id, expires_at__gt=timezone.now(), wrong_codes__lt=WRONG_CODES_ALLOWED)
        .first()
    )
    if pending is None:
        return None
    if not constant_time_compare(pending.code_hash, _code_hash(pending.e164, code)):
        PendingDispute.objects.filter(pk=pending.pk).update(wrong_codes=F("wrong_codes") + 1)
        return None
    pending.delete()
    return pending


def file_dispute(*, e164: str, contact_email: str, statement: str, held_since=None, request=None) -> Dispute:
    """Record a dispute whose filer proved control of the number, and confirm it by email."""
    dispute = Dispute.objects.create(
        e164=e164, contact_email=contact_email.strip().lower(), statement=statement.strip(), held_since=held_since
    )
    record_event(action="dispute.filed", request=request, number=e164, detail={"dispute": dispute.pk})
    _tell_filer(dispute, "We received your dispute", "received")
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
    _tell_filer(dispute, "Your dispute has been resolved", "resolved")
    return dispute


def _tell_filer(dispute: Dispute, subject: str, template: str) -> None:
    """Mail the filer about their dispute with `disputes/email/<template>.txt`."""
    path = f"disputes/email/{template}.txt"
    send_templated_mail(to=dispute.contact_email, subject=subject, template=path, context={"dispute": dispute})
