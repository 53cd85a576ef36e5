"""Receivers of the directory's signals: watch alerts for new contacts, and the retention purge."""

from django.dispatch import receiver

from directory.signals import contacts_added, purge_requested
from screenings.services import purge_expired_screenings
from screenings.tasks import notify_watchers_task

ALERT_BATCH = 1000


@receiver(contacts_added)
def queue_watch_alerts(sender, contact_ids: list[int], **kwargs) -> None:
    """Organizations watching these numbers are told by a worker, a thousand contacts a task."""
    for start in range(0, len(contact_ids), ALERT_BATCH):
        notify_watchers_task.delay(contact_ids[start : start + ALERT_BATCH])


@receiver(purge_requested)
def purge_screenings(sender, dry_run: bool, **kwargs) -> str:
    return f"{purge_expired_screenings(dry_run=dry_run)} expired screening(s)"
