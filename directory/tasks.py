import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from directory import importing
from directory.retention import purge_expired_directory

logger = logging.getLogger(__name__)


@shared_task
def purge_expired_directory_task() -> None:
    purge_expired_directory()


@shared_task(autoretry_for=(OperationalError, InterfaceError), max_retries=5, retry_backoff=2, retry_backoff_max=60)
def run_contact_import_task(import_id: str, part: int | None = None, lease: str | None = None) -> None:
    """Import a part of a queued file (all of it if `part` is None, as sent before imports had parts).

    A part works for CONTACT_IMPORT_SLICE_SECONDS, then sends itself again, behind the work queued
    meanwhile. Run again (a retry, a re-delivered message), it goes on after its last committed batch.
    """
    deadline = None if part is None else time.monotonic() + settings.CONTACT_IMPORT_SLICE_SECONDS
    try:
        stopped = importing.run_import(import_id, part, lease=lease, deadline=deadline)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("contact import %s (part %s) failed", import_id, part)
        importing.fail_import(import_id, "An unexpected error stopped this import. The rows reported were imported.")
        return
    if stopped:
        try:
            importing.queue_part(import_id, part, lease)
        except Exception:  # the broker is away: the stalled-import check sends the part again
            logger.exception("contact import %s: part %s could not be queued again", import_id, part)


@shared_task
def requeue_stalled_imports_task() -> None:
    """Send again the parts of imports whose worker died or whose message was lost."""
    for import_id, part in importing.stalled_parts():
        importing.requeue_part(import_id, part)
