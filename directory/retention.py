"""Deleting directory data on schedule (SPEC section 2): contacts older than RETENTION_YEARS,
and numbers left with no contact. Their change history goes with them."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from directory.models import Contact, ListedNumber
from directory.services import refresh_contact_summary


@dataclass
class PurgeReport:
    cutoff: datetime
    contacts: int
    numbers: int


def retention_cutoff(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - settings.RETENTION_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year - settings.RETENTION_YEARS, day=28)


def purge_expired_directory(*, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Delete contacts older than the cutoff and the numbers they leave empty (not those under review)."""
    cutoff = retention_cutoff(now)
    expired = Contact.objects.filter(occurred_at__lt=cutoff)
    touched = set(expired.values_list("number_id", flat=True))
    emptied = ListedNumber.objects.filter(pk__in=touched).exclude(contacts__occurred_at__gte=cutoff)
    emptied = emptied.exclude(status=ListedNumber.Status.UNDER_REVIEW)
    report = PurgeReport(cutoff, expired.count(), emptied.count())
    if dry_run or not (report.contacts or report.numbers):
        return report
    with transaction.atomic():
        number_ids = list(emptied.values_list("pk", flat=True))
        expired.delete()
        ListedNumber.objects.filter(pk__in=number_ids).delete()
        # Deleting writes history records too: the history goes last, with everything it kept of them.
        Contact.history.filter(occurred_at__lt=cutoff).delete()
        ListedNumber.history.filter(id__in=number_ids).delete()
        refresh_contact_summary(touched - set(number_ids))
        record_event(
            action="directory.retention_purge",
            detail={"cutoff": cutoff.isoformat(), "contacts": report.contacts, "numbers": report.numbers},
        )
    return report
