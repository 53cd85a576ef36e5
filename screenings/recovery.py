"""Recovery of stalled work: steps whose worker died or whose message was lost are queued again,
a bounded number of times (SPEC section 4).

A chunk counts as started when a worker starts it, and a preparation keeps a heartbeat (one per stored
chunk): a chunk started, or a heartbeat, longer ago than SCREENING_STALL_SECONDS has lost its worker. A
chunk whose message comes back at once (the broker redelivers a task whose worker died) counts its
attempts in the pipeline itself.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from screenings.models import Screening, ScreeningChunk
from screenings.pipeline import GAVE_UP, fail_screening


def stall_cutoff():
    return timezone.now() - timedelta(seconds=settings.SCREENING_STALL_SECONDS)


def stalled_preparations() -> list[str]:
    """Queued screenings waiting too long, and preparations whose worker died (put back in the queue).

    A preparation that has already lost its worker SCREENING_MAX_ATTEMPTS times fails instead.
    """
    cutoff = stall_cutoff()
    dead = Screening.objects.filter(status=Screening.Status.RUNNING, total_rows__isnull=True, heartbeat_at__lt=cutoff)
    _give_up(dead.filter(prepare_attempts__gte=settings.SCREENING_MAX_ATTEMPTS).values_list("pk", flat=True))
    dead.filter(prepare_attempts__lt=settings.SCREENING_MAX_ATTEMPTS).update(
        status=Screening.Status.QUEUED, started_at=None, heartbeat_at=None
    )
    waiting = Screening.objects.filter(status=Screening.Status.QUEUED, created_at__lt=cutoff)
    return [str(pk) for pk in waiting.values_list("pk", flat=True)]


def stalled_chunks() -> list[tuple[str, int]]:
    """Chunks started long ago and never finished, or never started long after their screening did.

    A chunk that has already lost its worker SCREENING_MAX_ATTEMPTS times fails its screening instead.
    """
    cutoff = stall_cutoff()
    chunks = ScreeningChunk.objects.filter(
        status=ScreeningChunk.Status.PENDING, screening__status=Screening.Status.RUNNING
    ).filter(Q(started_at__lt=cutoff) | Q(started_at__isnull=True, screening__started_at__lt=cutoff))
    _give_up(chunks.filter(attempts__gte=settings.SCREENING_MAX_ATTEMPTS).values_list("screening_id", flat=True))
    retry = chunks.filter(attempts__lt=settings.SCREENING_MAX_ATTEMPTS, screening__status=Screening.Status.RUNNING)
    return [(str(screening_id), index) for screening_id, index in retry.values_list("screening_id", "index")]


def _give_up(screening_ids) -> None:
    for screening_id in set(screening_ids):
        fail_screening(str(screening_id), GAVE_UP.format(attempts=settings.SCREENING_MAX_ATTEMPTS))


def unfinished_screenings() -> list[str]:
    """Running screenings whose chunks are all done but which were never finalized."""
    running = Screening.objects.filter(status=Screening.Status.RUNNING, total_rows__isnull=False)
    running = running.exclude(chunks__status=ScreeningChunk.Status.PENDING)
    return [str(pk) for pk in running.values_list("pk", flat=True)]
