"""Celery tasks for the private-screening set-up: thin, idempotent, given primary keys only."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

from private_screening import setups

logger = logging.getLogger(__name__)
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5, "retry_backoff": 2}
REBUILD_QUEUED = "private-screening:rebuild-queued"


@shared_task(**RETRY)
def refresh_setup_task() -> None:
    """Start a new set-up version when the directory or the key changed since the last one."""
    if setups.needs_build():
        start_build()


def start_build() -> int:
    """A new version, its shards queued to the workers once committed."""
    with transaction.atomic():
        setup, indexes = setups.start_build()
        for index in indexes:
            transaction.on_commit(lambda index=index: build_shard_task.delay(setup.pk, index))
    return setup.pk


@shared_task(**RETRY, acks_late=True, reject_on_worker_lost=True)
def build_shard_task(setup_id: int, index: int) -> None:
    setups.build_shard(setup_id, index)
    setups.finish_build(setup_id)


def queue_refresh(delay: int) -> None:
    """Debounced: at most one refresh is waiting at a time, run `delay` seconds after the first change.

    Without a broker the periodic refresh catches up; the change that asked for it is not failed.
    """
    if cache.add(REBUILD_QUEUED, True, timeout=delay):
        try:
            refresh_setup_task.apply_async(countdown=delay)
        except BrokerError:
            cache.delete(REBUILD_QUEUED)
            logger.warning("the private-screening set-up waits for the periodic refresh: no broker")
