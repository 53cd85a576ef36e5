"""Receivers of the directory's signals: the retention purge."""

from django.dispatch import receiver

from directory.signals import purge_requested
from disputes.services import purge_expired_codes


@receiver(purge_requested)
def purge_unconfirmed_disputes(sender, dry_run: bool, **kwargs) -> str:
    return f"{purge_expired_codes(dry_run=dry_run)} unconfirmed dispute(s) whose code expired"
