"""Reads of disputes for staff: the queue, what the statistics count as waiting, and what the
dispute desk shows of a dispute (its number, contacts and history)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.template.defaultfilters import pluralize
from django.utils import timezone

from audit.models import AuditEvent
from directory.models import Contact, ListedNumber
from disputes.models import Dispute
from lib.hashing import number_hash

WAITING = [Dispute.Status.OPEN, Dispute.Status.UNDER_REVIEW]
NUMBER_STATUS_CHANGED = "directory.number_status_changed"
EVENT_WORDS = {"dispute.filed": "Dispute filed", "dispute.accepted": "Accepted for review"}
NO_ACTOR = "no one signed in"
RECORD_WORDS = {"+": "Record created", "~": "Record changed", "-": "Record deleted"}


def waiting_disputes() -> QuerySet[Dispute]:
    """Disputes staff still have to decide: open, or accepted and under review."""
    return Dispute.objects.filter(status__in=WAITING)


@dataclass
class Step:
    """One line of a dispute's history: from the audit log or from the dispute's own change history."""

    when: datetime
    who: str
    what: str
    source: str


def waiting_time(dispute: Dispute, now: datetime | None = None) -> str:
    """How long a dispute has waited for staff, or how long staff took to decide it, in words."""
    end = dispute.resolved_at or now or timezone.now()
    days = (end - dispute.created_at).days
    span = f"{days} day{pluralize(days)}"
    if dispute.status in WAITING:
        return f"waiting {span}" if days else "filed today"
    return f"decided after {span}" if days else "decided the day it was filed"


def number_on_file(dispute: Dispute) -> ListedNumber | None:
    return ListedNumber.objects.filter(e164=dispute.e164).first()


def number_contacts(number: ListedNumber | None) -> QuerySet[Contact]:
    """The contacts behind a disputed listing, oldest first, with their operation."""
    if number is None:
        return Contact.objects.none()
    return number.contacts.select_related("operation").order_by("occurred_at")


def dispute_history(dispute: Dispute) -> list[Step]:
    """Everything that happened to a dispute and its number, oldest first: the audit events of the
    dispute and of the number's status, and the dispute's change history."""
    about = Q(detail__dispute=dispute.pk) | Q(action=NUMBER_STATUS_CHANGED, number_hash=number_hash(dispute.e164))
    steps = [
        Step(event.created_at, event.who or NO_ACTOR, event_words(event), "Audit log")
        for event in AuditEvent.objects.filter(about)
    ]
    steps += [
        Step(
            record.history_date,
            record.history_user.email if record.history_user else NO_ACTOR,
            f"{RECORD_WORDS[record.history_type]}: {record.get_status_display()}",
            "Change history",
        )
        for record in dispute.history.select_related("history_user")
    ]
    return sorted(steps, key=lambda step: step.when)


def event_words(event: AuditEvent) -> str:
    if event.action == NUMBER_STATUS_CHANGED:
        statuses = ListedNumber.Status
        return f"Number {statuses(event.detail['from']).label.lower()} → {statuses(event.detail['to']).label.lower()}"
    if event.action.removeprefix("dispute.") in Dispute.Status.values:
        return Dispute.Status(event.action.removeprefix("dispute.")).label
    return EVENT_WORDS.get(event.action) or event.action.replace(".", " ").replace("_", " ").capitalize()
