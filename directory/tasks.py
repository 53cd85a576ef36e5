import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from directory import importing
from directory.retention import purge_expired_directory

logger = logging.getLogger(__name__)


@shared_task
def purge_expired_directory_task() -> None:
    purge_expired_directory()


@shared_task(autoretry_for=(OperationalError, InterfaceError), max_retries=5, retry_backoff=2, retry_backoff_max=60)
def run_contact_import_task(import_id: str) -> None:
    """Import a queued file; run again (a retry, a re-delivered message), it goes on after the last committed batch."""
    try:
        importing.run_import(import_id)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("contact import %s failed", import_id)
        importing.fail_import(import_id, "An unexpected error stopped this import. The rows reported were imported.")


@shared_task
def requeue_stalled_imports_task() -> None:
    """Send again the imports whose worker died or whose message was lost."""
    for import_id in importing.stalled_imports():
        run_contact_import_task.delay(import_id)
