"""Receivers of the directory's signals: the set-up is rebuilt a few minutes after the directory changes."""

from django.conf import settings
from django.dispatch import receiver

from directory.signals import contacts_added, number_status_changed
from private_screening.tasks import queue_refresh


@receiver(contacts_added)
@receiver(number_status_changed)
def rebuild_setup_soon(sender, **kwargs) -> None:
    queue_refresh(settings.PSI_REBUILD_DELAY_SECONDS)
