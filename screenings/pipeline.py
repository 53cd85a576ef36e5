"""The screening pipeline: prepare (split the file into chunks), match each chunk, finalize, or fail.

Every step may run twice (a retried task, a re-delivered message, a requeued
chunk): each claims its work with a conditional UPDATE or a row lock and
returns early when someone else already did it.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_event
from directory.matching import MatchInput, MatchResult, Outcome, match_inputs
from lib import limits
from lib.bulk import read_file
from lib.errors import DomainError
from lib.limits import LimitExceeded
from lib.list_parts import list_parts
from lib.phone_lists import Layout, ListRow, parse_window
from lib.tabular import UnreadableFile
from screenings import monitoring
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload, Watch
from screenings.result_store import (
    chunk_rows,
    insert_results,
    name_first_cells,
    outcomes_at,
    pack_cells,
    pack_flags,
    pack_numbers,
    stored_fields,
    unpack_cells,
    unpack_flags,
    unpack_numbers,
)

GAVE_UP = (
    "Part of this list stopped a worker {attempts} times, so the screening was stopped. "
    "Check the file, or split it into smaller files, and upload it again."
)


class ScreeningStopped(DomainError):
    """A screening that cannot go on; the message tells the member why."""


def prepare_screening(screening_id: str, on_chunk: Callable[[int], None] | None = None) -> list[int]:
    """Split the uploaded file into chunks; returns the chunk indexes (none if someone else prepares it).

    `on_chunk(index)` is called as soon as each chunk is stored, so matching starts while the
    rest of the file is still being split.
    """
    now = timezone.now()
    claimed = Screening.objects.filter(pk=screening_id, status=Screening.Status.QUEUED).update(
        status=Screening.Status.RUNNING, started_at=now, heartbeat_at=now, prepare_attempts=F("prepare_attempts") + 1
    )
    if not claimed:
        return []
    screening = Screening.objects.select_related("organization").get(pk=screening_id)
    try:
        return _split(screening, on_chunk or (lambda index: None))
    except Superseded:
        return []
    except (UnreadableFile, ScreeningStopped) as error:
        fail_screening(screening_id, str(error))
        return []


class Superseded(Exception):
    """This preparation was declared dead and queued again (or the screening ended): it stops here."""


def _claimed(screening: Screening):
    """The screening as long as this preparation holds it: running, with the attempt that claimed it."""
    return Screening.objects.filter(
        pk=screening.pk, status=Screening.Status.RUNNING, prepare_attempts=screening.prepare_attempts
    )


def _split(screening: Screening, on_chunk: Callable[[int], None]) -> list[int]:
    """Store the chunks one by one; a second run (its worker died) keeps those already stored.

    Each chunk renews this preparation's lease, and only while it still holds it: one declared dead
    and replaced stops at its next chunk. The quota was charged on an estimate at upload; rows actually
    read are charged as they are read.
    """
    data = read_file(ScreeningUpload.objects.filter(screening=screening), "content")
    if data is None:
        raise UnreadableFile("The uploaded file is gone. Upload it again.")
    layout = Layout.from_dict(screening.layout)
    total = 0
    indexes = []
    rows_a_chunk = max(settings.SCREENING_CHUNK_ROWS // len(layout.phones), 1)  # each row holds a number a phone column
    for index, part in enumerate(list_parts(data, layout, rows_a_chunk)):
        total += part.numbers
        if total > settings.SCREENING_MAX_ROWS:
            raise UnreadableFile(f"The file has more than {settings.SCREENING_MAX_ROWS:,} rows, the limit.")
        if not _claimed(screening).update(heartbeat_at=timezone.now()):
            raise Superseded
        _charge_rows_read(screening, total)
        chunk = ScreeningChunk(
            screening=screening,
            index=index,
            row_count=part.numbers,
            first_row=part.first_row,
            delimiter=part.delimiter,
            content=part.text,
        )
        ScreeningChunk.objects.bulk_create([chunk], ignore_conflicts=True)
        on_chunk(index)
        indexes.append(index)
    if not total:
        raise UnreadableFile("The file has no rows with a phone number.")
    with transaction.atomic():
        split = _claimed(screening).update(total_rows=total)
        ScreeningUpload.objects.filter(screening=screening).delete()
        if not split:  # the screening ended meanwhile (a chunk failed it): the chunks stored since then go too
            ScreeningChunk.objects.filter(screening=screening).exclude(
                screening__status=Screening.Status.RUNNING
            ).delete()
            return []
    _refund_unread_rows(screening, total)
    return indexes


QUOTA_REACHED = (
    "Daily screening quota reached: this file holds more rows than it showed at upload ({rows:,} so far), "
    "more than your organization's quota of {quota:,} rows a day allows. It resets at midnight UTC; "
    "staff can raise it."
)


def _charge_rows_read(screening: Screening, rows_read: int) -> None:
    """Charge the rows read beyond what was charged so far; past the quota the screening fails.

    The new total is recorded first (only by the preparation holding the screening), then charged: a
    worker that dies in between leaves the rows uncharged rather than charged twice.
    """
    charged = screening.charged_rows
    if rows_read <= charged:
        return
    if not _claimed(screening).filter(charged_rows=charged).update(charged_rows=rows_read):
        raise Superseded
    screening.charged_rows = rows_read
    try:
        limits.consume_screening_quota(screening.organization, rows_read - charged)
    except LimitExceeded:
        quota = screening.organization.daily_screening_row_quota
        raise ScreeningStopped(QUOTA_REACHED.format(rows=rows_read, quota=quota)) from None


def _refund_unread_rows(screening: Screening, total: int) -> None:
    """An estimate above the rows the file really held is given back, to the quota of the day it was
    charged to; a day that has passed keeps its count."""
    if screening.charged_rows <= total:
        return
    Screening.objects.filter(pk=screening.pk).update(charged_rows=total)
    if timezone.localdate(screening.created_at) == timezone.localdate():
        limits.refund_screening_quota(screening.organization, screening.charged_rows - total)


@dataclass
class ChunkOutcome:
    """What a chunk keeps: the numbers to store (never `no_match`, nor a repeat of one), counts, and,
    in the same order, each number, the cell (row and column) of its first occurrence and whether
    that cell is stored (a match or outside the window)."""

    results: list[tuple[int, int, MatchResult, tuple[int, int] | None]]  # row, column, result, the cell it repeats
    counts: dict[str, int]
    first_numbers: list[str] = field(default_factory=list)
    first_rows: list[int] = field(default_factory=list)
    first_columns: list[int] = field(default_factory=list)
    first_stored: list[bool] = field(default_factory=list)


NO_NUMBERS = unpack_numbers(b"")
FIRST_OCCURRENCES = frozenset((Outcome.MATCH, Outcome.OUTSIDE_WINDOW, Outcome.NO_MATCH))
NO_WINDOW = (None, None)


def match_chunk_rows(rows: Iterable[ListRow], region: str) -> ChunkOutcome:
    """Match one chunk's numbers; a bad window date makes its number invalid.

    A repeat is stored, naming its first cell, only when that first cell is stored: a repeat of a
    number with no match is counted, never kept. A number repeated across columns counts once.
    """
    places, inputs, bad = [], [], []
    for row, raw, label, held_from, held_to, column in rows:
        window = NO_WINDOW
        if held_from or held_to:
            try:
                window = parse_window(held_from, "assigned_from"), parse_window(held_to, "assigned_to")
            except ValueError as error:
                # Its number may be valid and not listed: only the row, its label and why are kept.
                invalid = MatchResult(MatchInput("", label=label), Outcome.INVALID, reason=str(error))
                bad.append((row, column, invalid, None))
                continue
        places.append((row, column))
        inputs.append(MatchInput(raw, *window, label))
    outcome = ChunkOutcome(bad, dict.fromkeys(Outcome.ALL, 0))
    outcome.counts[Outcome.INVALID] = len(bad)
    counts, results = outcome.counts, outcome.results
    first_numbers, first_rows, first_columns = outcome.first_numbers, outcome.first_rows, outcome.first_columns
    first_stored = outcome.first_stored
    first_of: dict[str, tuple[tuple[int, int], bool]] = {}  # E.164: its first cell here, and whether it is stored
    for (row, column), result in zip(places, match_inputs(inputs, region), strict=True):
        kind = result.outcome
        counts[kind] += 1
        if kind in FIRST_OCCURRENCES:
            first_numbers.append(result.e164)
            first_rows.append(row)
            first_columns.append(column)
            if kind == Outcome.NO_MATCH:  # most numbers of a list: never stored
                first_of[result.e164] = (None, False)
                first_stored.append(False)
                continue
            here = row, column
            first_of[result.e164] = (here, True)
            first_stored.append(True)
            results.append((*here, result, None))
        elif kind == Outcome.DUPLICATE:
            first, first_is_stored = first_of[result.e164]
            if first_is_stored:
                results.append((row, column, result, first))
        else:
            results.append((row, column, result, None))
    return outcome


def process_chunk(screening_id: str, index: int) -> bool:
    """Match one chunk and store its results once; returns True when this call stored them."""
    chunk = ScreeningChunk.objects.select_related("screening").filter(screening_id=screening_id, index=index).first()
    if chunk is None or chunk.status == ScreeningChunk.Status.DONE:
        return False
    if chunk.screening.status != Screening.Status.RUNNING:
        return False
    ScreeningChunk.objects.filter(pk=chunk.pk).update(started_at=timezone.now(), attempts=F("attempts") + 1)
    if chunk.attempts >= settings.SCREENING_MAX_ATTEMPTS:
        # Its worker died that many times (a redelivered message restarts it at once, before any lease expires).
        fail_screening(screening_id, GAVE_UP.format(attempts=settings.SCREENING_MAX_ATTEMPTS))
        return False
    try:
        outcome = match_chunk_rows(chunk_rows(chunk), chunk.screening.region)
    except UnreadableFile as error:  # a text file's cell longer than csv reads, refused as the whole file would be
        fail_screening(screening_id, str(error))
        return False
    with transaction.atomic():
        locked = ScreeningChunk.objects.select_for_update().only("status").filter(pk=chunk.pk).first()
        if locked is None or locked.status == ScreeningChunk.Status.DONE:
            return False  # done by another worker, or the screening failed meanwhile
        _store_chunk(chunk, outcome)
    return True


def _store_chunk(chunk: ScreeningChunk, outcome: ChunkOutcome) -> None:
    """Store what the chunk found; `chunk` was read before matching, with its screening, and is locked now."""
    screening = chunk.screening
    insert_results(
        screening,
        [(chunk.index, row, column, *stored_fields(result, first)) for row, column, result, first in outcome.results],
    )
    monitoring.watch_chunk(screening, chunk, outcome.first_rows, outcome.first_columns, outcome.first_numbers)
    chunk.counts = outcome.counts
    chunk.first_numbers_packed = pack_numbers(outcome.first_numbers)
    chunk.first_cells_packed = pack_cells(outcome.first_rows, outcome.first_columns)
    chunk.first_stored_packed = pack_flags(outcome.first_stored)
    chunk.status, chunk.done_at = ScreeningChunk.Status.DONE, timezone.now()
    chunk.save(update_fields=["counts", *FIRSTS, "status", "done_at"])
    Screening.objects.filter(pk=screening.pk).update(processed_rows=F("processed_rows") + chunk.row_count)


def all_chunks_done(screening_id: str) -> bool:
    """True once the whole file is split and every chunk of it matched."""
    split = Screening.objects.filter(pk=screening_id, total_rows__isnull=False).exists()
    return (
        split
        and not ScreeningChunk.objects.filter(screening_id=screening_id)
        .exclude(status=ScreeningChunk.Status.DONE)
        .exists()
    )


@transaction.atomic
def finalize_screening(screening_id: str) -> bool:
    """Once every chunk is in: mark file-wide duplicates, add up counts, mark done. Runs once."""
    screening = Screening.objects.select_for_update().filter(pk=screening_id).first()
    if screening is None or screening.status != Screening.Status.RUNNING or screening.total_rows is None:
        return False
    if not all_chunks_done(screening_id):
        return False
    counts = dict.fromkeys(Outcome.ALL, 0)
    chunks = list(screening.chunks.order_by("index").values_list("index", "counts", *FIRSTS))
    for _, chunk_counts, *_ in chunks:
        for outcome, count in chunk_counts.items():
            counts[outcome] += count
    for chunk_index, repeats in _repeats_across_chunks(chunks):
        _mark_repeats(screening, chunk_index, repeats, counts)
    screening.chunks.all().delete()
    screening.status, screening.counts, screening.finished_at = Screening.Status.DONE, counts, timezone.now()
    screening.save(update_fields=["status", "counts", "finished_at"])
    record_event(
        action="screening.done",
        organization=screening.organization,
        detail={**screening.audit_detail, "counts": counts},
    )
    return True


# What a chunk keeps of its numbers' first occurrences, for the file-wide duplicate pass.
FIRSTS = ("first_numbers_packed", "first_cells_packed", "first_stored_packed")


class Repeat(NamedTuple):
    """A chunk's first occurrence of a number an earlier chunk holds: a duplicate of that chunk's cell."""

    cell: tuple[int, int]
    stored: bool
    number: int  # its E.164 digits
    first: tuple[int, int]
    first_stored: bool

    @property
    def e164(self) -> str:
        return f"+{self.number}"


def _repeats_across_chunks(chunks: list[tuple]) -> Iterator[tuple[int, list[Repeat]]]:
    """Each chunk's repeats of numbers that came first in an earlier chunk, chunk by chunk.

    Every chunk's first numbers (unique within it) are sorted together, keeping file order among
    equals: in each run of one number the first is its first cell in the file, the rest repeat it.
    A million-row list has about 930,000 of them, 7 MB as integers, sorted in C.
    """
    per_chunk = [unpack_numbers(numbers) for _, _, numbers, _, _ in chunks]
    owners = numpy.repeat([index for index, *_ in chunks], [len(numbers) for numbers in per_chunk])
    numbers = numpy.concatenate(per_chunk or [NO_NUMBERS])
    rows, columns = unpack_cells(b"".join(cells for _, _, _, cells, _ in chunks))
    stored = unpack_flags(b"".join(flags for *_, flags in chunks))
    order = numpy.argsort(numbers, kind="stable")
    ordered = numbers[order]
    again = numpy.zeros(len(ordered), bool)
    again[1:] = ordered[1:] == ordered[:-1]
    run_start = numpy.maximum.accumulate(numpy.where(again, 0, numpy.arange(len(ordered))))
    repeats, firsts = order[again], order[run_start[again]]
    by_chunk: dict[int, list[Repeat]] = {}
    for owner, *repeat in zip(
        owners[repeats].tolist(),
        zip(rows[repeats].tolist(), columns[repeats].tolist(), strict=True),
        stored[repeats].tolist(),
        numbers[repeats].tolist(),
        zip(rows[firsts].tolist(), columns[firsts].tolist(), strict=True),
        stored[firsts].tolist(),
        strict=True,
    ):
        by_chunk.setdefault(owner, []).append(Repeat(*repeat))
    yield from sorted(by_chunk.items())


def _mark_repeats(screening: Screening, chunk_index: int, repeats: list[Repeat], counts: dict) -> None:
    """Cells of this chunk whose number came earlier in another chunk become repeats of that first cell.

    A repeat of a stored cell is stored naming it: updated when this chunk stored the cell, written
    now with its input and label read back from the chunk's rows otherwise. A repeat of a cell with
    no match is only counted: what this chunk stored for it (the cell, and its own repeats within
    the chunk) goes.
    """
    counts[Outcome.NO_MATCH] -= sum(1 for repeat in repeats if not repeat.stored)
    counts[Outcome.DUPLICATE] += len(repeats)
    stored_here = [repeat for repeat in repeats if repeat.stored]
    if stored_here:
        places = [repeat.cell for repeat in stored_here]
        # The lower bound lets the index skip to the chunk's rows even before the planner has statistics.
        results = screening.results.filter(row__gte=min(places)[0], chunk_index=chunk_index)
        for outcome in outcomes_at(screening, places):
            counts[outcome] -= 1
        gone = [repeat.cell for repeat in stored_here if not repeat.first_stored]
        if gone:
            results.filter(_at(gone) | _at(gone, "first_")).delete()
        first = {repeat.cell: repeat.first for repeat in stored_here if repeat.first_stored}
        if first:
            name_first_cells(screening, first)
    missing = {repeat.cell: repeat for repeat in repeats if repeat.first_stored and not repeat.stored}
    if missing:
        chunk = screening.chunks.only("screening", "content", "first_row", "delimiter").get(index=chunk_index)
        written = [
            (chunk_index, row, column, raw, label, repeat.e164, Outcome.DUPLICATE, "", *repeat.first, None, None)
            for row, raw, label, _, _, column in chunk_rows(chunk)
            if (repeat := missing.get((row, column))) is not None
        ]
        insert_results(screening, written)


def _at(places, prefix: str = "") -> Q:
    """Results at these (row, column) cells, or, with prefix "first_", the repeats of them."""
    query = Q(pk__in=[])
    for row, column in places:
        query |= Q(**{f"{prefix}row": row, f"{prefix}column": column})
    return query


def fail_screening(screening_id: str, error: str) -> None:
    """End a screening as failed with a readable error; its file, partial results and watched numbers
    are deleted. A screening already done or failed is left as it is."""
    with transaction.atomic():
        updated = (
            Screening.objects.filter(pk=screening_id)
            .exclude(status__in=[Screening.Status.DONE, Screening.Status.FAILED])
            .update(status=Screening.Status.FAILED, error=error[:2000], finished_at=timezone.now())
        )
        if not updated:
            return
        ScreeningUpload.objects.filter(screening_id=screening_id).delete()
        ScreeningChunk.objects.filter(screening_id=screening_id).delete()
        ScreeningResult.objects.filter(screening_id=screening_id).delete()
        Watch.objects.filter(screening_id=screening_id).delete()
    screening = Screening.objects.select_related("organization").get(pk=screening_id)
    record_event(
        action="screening.failed",
        organization=screening.organization,
        detail={**screening.audit_detail, "error": error[:200]},
    )
