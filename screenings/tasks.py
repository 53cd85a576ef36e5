"""Celery tasks for screenings: thin, idempotent, given primary keys only."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from screenings import monitoring, pipeline, recovery, routing, services

logger = logging.getLogger(__name__)

RETRYABLE = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": RETRYABLE, "max_retries": 5, "retry_backoff": 2, "retry_backoff_max": 60}


@shared_task(**RETRY)
def prepare_screening_task(screening_id: str) -> None:
    """Split the file; each chunk is queued as soon as it is stored, so matching overlaps the split."""
    queue = routing.queue_for(screening_id)
    try:
        indexes = pipeline.prepare_screening(
            screening_id, on_chunk=lambda index: queue_chunk(screening_id, index, routing.chunk_queue(queue, index))
        )
    except RETRYABLE:
        raise
    except Exception:
        logger.exception("screening %s could not be prepared", screening_id)
        pipeline.fail_screening(screening_id, "The file could not be read. Check its format and upload it again.")
        return
    if indexes and pipeline.all_chunks_done(screening_id):
        finalize_screening_task.delay(screening_id)  # every chunk finished before the split did


def queue_chunk(screening_id: str, index: int, queue: str) -> None:
    """Send a chunk's task; one the broker cannot take now is sent again by the periodic requeue."""
    try:
        process_chunk_task.apply_async((screening_id, index), queue=queue)
    except BrokerError:
        logger.warning("chunk %s of screening %s waits for the requeue: no broker", index, screening_id)


@shared_task(**RETRY)
def process_chunk_task(screening_id: str, index: int) -> None:
    try:
        pipeline.process_chunk(screening_id, index)
    except RETRYABLE:
        raise
    except Exception:
        logger.exception("chunk %s of screening %s failed", index, screening_id)
        pipeline.fail_screening(screening_id, "An unexpected error stopped this screening. Upload the file again.")
        return
    if pipeline.all_chunks_done(screening_id):
        finalize_screening_task.delay(screening_id)


@shared_task(**RETRY)
def finalize_screening_task(screening_id: str) -> None:
    pipeline.finalize_screening(screening_id)


@shared_task
def requeue_stalled_screenings_task() -> None:
    """Send again the work of screenings whose worker died or whose message was lost."""
    for screening_id in recovery.stalled_preparations():
        prepare_screening_task.apply_async((screening_id,), queue=routing.queue_for(screening_id))
    for screening_id, index in recovery.stalled_chunks():
        process_chunk_task.apply_async((screening_id, index), queue=routing.queue_for(screening_id))
    for screening_id in recovery.unfinished_screenings():
        finalize_screening_task.delay(screening_id)


@shared_task
def purge_expired_screenings_task() -> None:
    services.purge_expired_screenings()


@shared_task
def purge_stale_drafts_task() -> None:
    services.purge_stale_drafts()


@shared_task(**RETRY)
def notify_watchers_task(contact_ids: list[int]) -> None:
    monitoring.notify_watchers(contact_ids)
