"""Writes to the directory: numbers, contacts and their status (SPEC section 2).

Every write keeps a number's contact summary (first, last, count) right and
records an audit event for the staff member who made it.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Count, Max, Min

from audit.services import record_event
from directory.models import Contact, ListedNumber, Operation
from directory.signals import contacts_added, number_status_changed
from lib.errors import DomainError
from lib.phone import describe


class DirectoryError(DomainError):
    """A write the directory refuses, with a message for the curator."""


def get_or_create_number(e164: str) -> tuple[ListedNumber, bool]:
    region, number_type = describe(e164)
    return ListedNumber.objects.get_or_create(e164=e164, defaults={"region": region, "number_type": number_type})


def refresh_contact_summary(number_ids: Iterable[int]) -> None:
    """Recompute first/last contact time and contact count from the contacts themselves."""
    for number_id in set(number_ids):
        summary = Contact.objects.filter(number_id=number_id).aggregate(
            first=Min("occurred_at"), last=Max("occurred_at"), count=Count("id")
        )
        ListedNumber.objects.filter(pk=number_id).update(
            first_contact_at=summary["first"], last_contact_at=summary["last"], contact_count=summary["count"]
        )


def outside_dates(operation: Operation, occurred_at: datetime) -> str:
    """Why a contact contradicts its operation's dates (the day as the evidence shows it, in UTC), or ''."""
    if not (operation.started_on or operation.ended_on):
        return ""
    day = occurred_at.astimezone(UTC).date()
    if (operation.started_on and day < operation.started_on) or (operation.ended_on and day > operation.ended_on):
        dates = f"{operation.started_on or '…'} – {operation.ended_on or '…'}"
        return f"occurred {day} (UTC), outside operation {operation.name!r} ({dates})"
    return ""


def check_contact_dates(*, operation: Operation, occurred_at: datetime, stored: Contact | None = None) -> None:
    """A contact added or changed one at a time falls within its operation's dates. Only an import may
    accept one outside them, flagged; such a contact can still be edited as long as its date and
    operation stay as `stored` has them."""
    if stored is not None and (stored.operation_id, stored.occurred_at) == (operation.pk, occurred_at):
        return
    reason = outside_dates(operation, occurred_at)
    if reason:
        raise DirectoryError(f"This contact {reason}.")


@transaction.atomic
def save_contact(*, contact: Contact, request=None, actor=None) -> Contact:
    """Create or change a contact within its operation's dates; the summaries of its old and new number follow."""
    created = contact.pk is None
    stored = None if created else Contact.objects.filter(pk=contact.pk).first()
    check_contact_dates(operation=contact.operation, occurred_at=contact.occurred_at, stored=stored)
    previous_number_id = stored.number_id if stored else None
    if created and contact.recorded_by_id is None:
        contact.recorded_by = actor
    same_event = Contact.objects.filter(
        number_id=contact.number_id,
        occurred_at=contact.occurred_at,
        channel=contact.channel,
        operation_id=contact.operation_id,
    )
    if same_event.exclude(pk=contact.pk).exists():
        raise DirectoryError("This contact is already recorded.")
    contact.save()
    refresh_contact_summary({contact.number_id, previous_number_id} - {None})
    if created:
        announce_new_contacts([contact.pk])
    record_event(
        action="directory.contact_added" if created else "directory.contact_changed",
        request=request,
        actor=actor,
        number=contact.number.e164,
        detail={"contact": contact.pk, "operation": contact.operation_id},
    )
    return contact


def announce_new_contacts(contact_ids: list[int]) -> None:
    """Apps watching numbers (monitoring) are told of these contacts once they are committed."""
    contact_ids = list(contact_ids)
    if contact_ids:
        transaction.on_commit(lambda: contacts_added.send(sender=Contact, contact_ids=contact_ids))


def create_contact(*, e164: str, request=None, actor=None, **fields) -> Contact:
    number, _ = get_or_create_number(e164)
    return save_contact(contact=Contact(number=number, **fields), request=request, actor=actor)


@transaction.atomic
def delete_contacts(*, contacts: Iterable[Contact], request=None, actor=None) -> int:
    deleted = 0
    touched = set()
    for contact in contacts:
        touched.add(contact.number_id)
        record_event(
            action="directory.contact_deleted",
            request=request,
            actor=actor,
            number=contact.number.e164,
            detail={"contact": contact.pk},
        )
        contact.delete()
        deleted += 1
    refresh_contact_summary(touched)
    return deleted


def check_status_change(status: str, reason: str) -> None:
    """A known status, and a reason whenever a number is removed (it is kept with the number's history)."""
    if status not in ListedNumber.Status.values:
        raise DirectoryError(f"Unknown status {status!r}")
    if status == ListedNumber.Status.REMOVED and not reason.strip():
        raise DirectoryError("A reason is required to remove a number.")


@transaction.atomic
def set_number_status(*, number: ListedNumber, status: str, reason: str = "", request=None, actor=None) -> ListedNumber:
    """Move a number between listed, under review and removed; removal needs a reason."""
    check_status_change(status, reason)
    previous = number.status
    number.status = status
    number.status_reason = reason.strip()
    number.save(update_fields=["status", "status_reason", "updated_at"])
    transaction.on_commit(lambda: number_status_changed.send(sender=ListedNumber, number_id=number.pk))
    record_event(
        action="directory.number_status_changed",
        request=request,
        actor=actor,
        number=number.e164,
        detail={"from": previous, "to": status},
    )
    return number


def add_number(*, number: ListedNumber, request=None, actor=None) -> ListedNumber:
    """Save a new listed number with its region and type derived from the number itself."""
    number.region, number.number_type = describe(number.e164)
    number.save()
    record_event(action="directory.number_added", request=request, actor=actor, number=number.e164)
    return number


def record_operation_change(*, operation: Operation, created: bool, request=None, actor=None) -> None:
    record_event(
        action="directory.operation_added" if created else "directory.operation_changed",
        request=request,
        actor=actor,
        detail={"operation": operation.pk, "name": operation.name},
    )
