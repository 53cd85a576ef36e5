"""Which Celery queue a screening's work goes to, so small screenings never wait behind big ones.

Workers consume both queues (CELERY_TASK_QUEUES) and take from them in turn: however many chunks
of other organizations' million-row lists wait in `bulk`, the next free worker process takes the
next task of `interactive`.
"""

from django.conf import settings

from lib.jobs import BULK_QUEUE as BULK
from lib.jobs import INTERACTIVE_QUEUE as INTERACTIVE
from screenings.models import Screening


def queue_for_rows(rows: int) -> str:
    return INTERACTIVE if rows <= settings.SCREENING_INTERACTIVE_ROWS else BULK


def queue_for(screening_id: str) -> str:
    """The queue of a screening's preparation and chunks, by the rows it was charged for."""
    rows = Screening.objects.filter(pk=screening_id).values_list("charged_rows", flat=True).first()
    return queue_for_rows(rows or 0)


def chunk_queue(queue: str, index: int) -> str:
    """A chunk's queue: its screening's, until the rows read pass SCREENING_INTERACTIVE_ROWS (a file that
    hid its size at upload): from there on, bulk."""
    return BULK if (index + 1) * settings.SCREENING_CHUNK_ROWS > settings.SCREENING_INTERACTIVE_ROWS else queue
