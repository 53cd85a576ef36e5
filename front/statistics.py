"""Figures for the staff statistics page, each one query; they read the directory, disputes and accounts."""

from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from accounts.models import Organization
from directory.models import Contact
from disputes.models import Dispute


@dataclass
class Bar:
    label: str
    value: int
    percent: float


def bars(pairs) -> list[Bar]:
    pairs = [(str(label), value) for label, value in pairs]
    top = max((value for _, value in pairs), default=0) or 1
    return [Bar(label, value, round(100 * value / top, 1)) for label, value in pairs]


def contacts_per_month(months: int = 24) -> list[Bar]:
    rows = (
        Contact.objects.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")[:months]
    )
    return bars((row["month"].strftime("%Y-%m"), row["n"]) for row in reversed(list(rows)))


def contacts_per_operation() -> list[Bar]:
    rows = Contact.objects.values("operation__name").annotate(n=Count("id")).order_by("-n", "operation__name")
    return bars((row["operation__name"], row["n"]) for row in rows)


def contacts_per_channel() -> list[Bar]:
    rows = Contact.objects.values("channel").annotate(n=Count("id")).order_by("channel")
    return bars((row["channel"], row["n"]) for row in rows)


def disputes_by_status() -> list[Bar]:
    rows = Dispute.objects.values("status").annotate(n=Count("id")).order_by("status")
    return bars((Dispute.Status(row["status"]).label, row["n"]) for row in rows)


def organizations_by_status() -> list[Bar]:
    rows = Organization.objects.values("status").annotate(n=Count("id")).order_by("status")
    return bars((Organization.Status(row["status"]).label, row["n"]) for row in rows)


def open_disputes() -> int:
    return Dispute.objects.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.UNDER_REVIEW]).count()
