"""Screenings: upload, split into chunks, match chunk by chunk, finish (SPEC section 4).

Every step may run twice (a retried task, a re-delivered message, a requeued
chunk): each claims its work with a conditional UPDATE or a row lock and
returns early when someone else already did it.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_event
from directory import limits
from directory.matching import MatchInput, MatchResult, Outcome, match_inputs
from directory.phone import is_known_region, number_hash
from directory.tabular import UnreadableFile
from screenings import reading
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload, WatchedNumber


@dataclass
class ScreeningRejected(Exception):
    """An upload refused before any work starts; `status` is the HTTP status to answer with."""

    message: str
    status: int = 400

    def __str__(self):
        return self.message


def create_screening(
    *,
    membership,
    filename: str,
    data: bytes,
    phone_column: str = "",
    label_column: str = "",
    region: str = "",
    monitor: bool = False,
    request=None,
) -> Screening:
    """Check the upload, then queue it; nothing is matched in the request."""
    if len(data) > settings.SCREENING_MAX_BYTES:
        raise ScreeningRejected(
            f"The file is {len(data):,} bytes; the limit is {settings.SCREENING_MAX_BYTES:,}.", status=413
        )
    region = (region or membership.organization.default_region).upper()
    if not is_known_region(region):
        raise ScreeningRejected(f"Unknown region {region!r}: use a two-letter code such as US or GB.")
    try:
        inspection = reading.inspect(data, phone_column, label_column)
    except UnreadableFile as error:
        raise ScreeningRejected(str(error)) from None
    rows = inspection.estimated_rows - (1 if inspection.layout.has_header else 0)
    if rows > settings.SCREENING_MAX_ROWS:
        raise ScreeningRejected(f"The file has about {rows:,} rows; the limit is {settings.SCREENING_MAX_ROWS:,}.", 413)
    limits.consume_screening_quota(membership.organization, max(rows, 0))
    with transaction.atomic():
        screening = Screening.objects.create(
            organization=membership.organization,
            created_by=membership.user,
            filename=filename[:255],
            region=region,
            phone_column=inspection.layout.column_name(inspection.layout.phone),
            label_column=inspection.layout.column_name(inspection.layout.label),
            monitor=monitor,
        )
        ScreeningUpload.objects.create(screening=screening, content=data, size=len(data))
        record_event(
            action="screening.created",
            request=request,
            actor=membership.user,
            organization=membership.organization,
            detail={"screening": str(screening.pk), "monitor": monitor},
        )
        from screenings.tasks import prepare_screening_task

        prepare_screening_task.delay_on_commit(str(screening.pk))
    return screening


def layout_for(screening: Screening, data: bytes) -> reading.Layout:
    first_rows = []
    for cells in reading.all_rows(data):
        if any(cell.strip() for cell in cells):
            first_rows.append(cells)
        if len(first_rows) > 20:
            break
    phone = screening.phone_column if not screening.phone_column.startswith("column ") else ""
    return reading.detect_layout(
        first_rows,
        phone or _column_number(screening.phone_column),
        _column_number(screening.label_column) or screening.label_column,
    )


def _column_number(name: str) -> str:
    return name.removeprefix("column ") if name.startswith("column ") else ""


def chunked(rows: Iterator[reading.ListRow], size: int) -> Iterator[list[reading.ListRow]]:
    chunk: list[reading.ListRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def prepare_screening(screening_id: str) -> list[int]:
    """Split the uploaded file into chunks; returns the chunk indexes to process (none if already done)."""
    claimed = Screening.objects.filter(pk=screening_id, status=Screening.Status.QUEUED).update(
        status=Screening.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return []
    screening = Screening.objects.get(pk=screening_id)
    try:
        return _split(screening)
    except UnreadableFile as error:
        fail_screening(screening_id, str(error))
        return []


@transaction.atomic
def _split(screening: Screening) -> list[int]:
    upload = ScreeningUpload.objects.select_for_update().get(screening=screening)
    data = bytes(upload.content)
    layout = layout_for(screening, data)
    total = 0
    indexes = []
    for index, rows in enumerate(chunked(reading.list_rows(data, layout), settings.SCREENING_CHUNK_ROWS)):
        total += len(rows)
        if total > settings.SCREENING_MAX_ROWS:
            raise UnreadableFile(f"The file has more than {settings.SCREENING_MAX_ROWS:,} rows, the limit.")
        ScreeningChunk.objects.create(
            screening=screening,
            index=index,
            row_count=len(rows),
            rows=[[r.row, r.raw, r.label, r.assigned_from, r.assigned_to] for r in rows],
        )
        indexes.append(index)
    if not total:
        raise UnreadableFile("The file has no rows with a phone number.")
    Screening.objects.filter(pk=screening.pk).update(total_rows=total)
    upload.delete()
    return indexes


def parse_window(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date (use YYYY-MM-DD)") from None


def match_chunk_rows(rows: list[list], region: str) -> list[tuple[int, MatchResult]]:
    """Outcomes of one chunk's rows, in row order; a bad window date makes its row invalid."""
    numbered, inputs, bad = [], [], []
    for row, raw, label, held_from, held_to in rows:
        try:
            window = parse_window(held_from, "assigned_from"), parse_window(held_to, "assigned_to")
        except ValueError as error:
            bad.append((row, MatchResult(MatchInput(raw, label=label), Outcome.INVALID, reason=str(error))))
            continue
        numbered.append(row)
        inputs.append(MatchInput(raw, *window, label=label))
    matched = list(zip(numbered, match_inputs(inputs, region), strict=True))
    return sorted(matched + bad, key=lambda pair: pair[0])


def process_chunk(screening_id: str, index: int) -> bool:
    """Match one chunk and store its results once; returns True when this call stored them."""
    chunk = ScreeningChunk.objects.select_related("screening").filter(screening_id=screening_id, index=index).first()
    if chunk is None or chunk.status == ScreeningChunk.Status.DONE:
        return False
    if chunk.screening.status != Screening.Status.RUNNING:
        return False
    ScreeningChunk.objects.filter(pk=chunk.pk).update(started_at=timezone.now(), attempts=F("attempts") + 1)
    results = match_chunk_rows(chunk.rows, chunk.screening.region)
    with transaction.atomic():
        locked = ScreeningChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == ScreeningChunk.Status.DONE:
            return False
        _store_chunk(chunk.screening, locked, results)
    return True


def _store_chunk(screening: Screening, chunk: ScreeningChunk, results: list[tuple[int, MatchResult]]) -> None:
    ScreeningResult.objects.filter(screening=screening, chunk_index=chunk.index).delete()
    ScreeningResult.objects.bulk_create(
        result_row(screening, chunk.index, row, result) for row, result in results if result.outcome != Outcome.NO_MATCH
    )
    firsts = [
        [row, result.e164, result.input.raw, result.input.label]
        for row, result in results
        if result.outcome in FIRST_OCCURRENCES
    ]
    if screening.monitor:
        WatchedNumber.objects.bulk_create(
            (
                WatchedNumber(
                    organization_id=screening.organization_id, screening=screening, number_hash=number_hash(first[1])
                )
                for first in firsts
            ),
            ignore_conflicts=True,
        )
    counts = dict.fromkeys(Outcome.ALL, 0)
    for _, result in results:
        counts[result.outcome] += 1
    chunk.numbers, chunk.counts, chunk.rows = firsts, counts, []
    chunk.status, chunk.done_at = ScreeningChunk.Status.DONE, timezone.now()
    chunk.save(update_fields=["numbers", "counts", "rows", "status", "done_at"])
    Screening.objects.filter(pk=screening.pk).update(processed_rows=F("processed_rows") + chunk.row_count)


FIRST_OCCURRENCES = (Outcome.MATCH, Outcome.OUTSIDE_WINDOW, Outcome.NO_MATCH)


def result_row(screening: Screening, chunk_index: int, row: int, result: MatchResult) -> ScreeningResult:
    return ScreeningResult(
        screening=screening,
        chunk_index=chunk_index,
        row=row,
        input=result.input.raw[:255],
        label=result.input.label[:255],
        e164=result.e164 or "",
        outcome=result.outcome,
        reason=result.reason[:200],
        evidence=result.evidence,
    )


def all_chunks_done(screening_id: str) -> bool:
    return (
        not ScreeningChunk.objects.filter(screening_id=screening_id).exclude(status=ScreeningChunk.Status.DONE).exists()
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
    seen: set[str] = set()
    for index in screening.chunks.order_by("index").values_list("index", flat=True):
        # One chunk in memory at a time: a million rows' numbers at once would not fit a small worker.
        numbers, chunk_counts = screening.chunks.filter(index=index).values_list("numbers", "counts").get()
        for outcome, count in chunk_counts.items():
            counts[outcome] += count
        repeats = []
        for row, e164, raw, label in numbers:
            if e164 in seen:
                repeats.append(ListRowResult(row, e164, raw, label))
            else:
                seen.add(e164)
        _mark_duplicates(screening, index, repeats, counts)
    screening.chunks.all().delete()
    screening.status, screening.counts, screening.finished_at = Screening.Status.DONE, counts, timezone.now()
    screening.save(update_fields=["status", "counts", "finished_at"])
    record_event(
        action="screening.done",
        organization=screening.organization,
        detail={"screening": str(screening.pk), "counts": counts},
    )
    return True


@dataclass(frozen=True)
class ListRowResult:
    row: int
    e164: str
    raw: str
    label: str


def _mark_duplicates(screening: Screening, chunk_index: int, repeats: list[ListRowResult], counts: dict) -> None:
    """Rows whose number came earlier in another chunk: their outcome becomes `duplicate`, in two statements."""
    if not repeats:
        return
    stored = {result.row: result for result in screening.results.filter(row__in=[r.row for r in repeats])}
    for result in stored.values():
        counts[result.outcome] -= 1
        result.outcome, result.reason, result.evidence = Outcome.DUPLICATE, "", None
    ScreeningResult.objects.bulk_update(stored.values(), ["outcome", "reason", "evidence"])
    new = [
        ScreeningResult(
            screening=screening,
            chunk_index=chunk_index,
            row=repeat.row,
            input=repeat.raw[:255],
            label=repeat.label[:255],
            e164=repeat.e164,
            outcome=Outcome.DUPLICATE,
        )
        for repeat in repeats
        if repeat.row not in stored
    ]
    ScreeningResult.objects.bulk_create(new)
    counts[Outcome.NO_MATCH] -= len(new)
    counts[Outcome.DUPLICATE] += len(repeats)


def fail_screening(screening_id: str, error: str) -> None:
    """End a screening as failed with a readable error; its file and partial results are deleted."""
    with transaction.atomic():
        updated = (
            Screening.objects.filter(pk=screening_id)
            .exclude(status=Screening.Status.DONE)
            .update(status=Screening.Status.FAILED, error=error[:2000], finished_at=timezone.now())
        )
        ScreeningUpload.objects.filter(screening_id=screening_id).delete()
        ScreeningChunk.objects.filter(screening_id=screening_id).delete()
        ScreeningResult.objects.filter(screening_id=screening_id).delete()
    if updated:
        record_event(action="screening.failed", detail={"screening": str(screening_id), "error": error[:200]})


def delete_screening(*, screening: Screening, request=None) -> None:
    record_event(
        action="screening.deleted",
        request=request,
        organization=screening.organization,
        detail={"screening": str(screening.pk)},
    )
    screening.delete()


def purge_expired_screenings(*, dry_run: bool = False, now=None) -> int:
    """Delete screenings (with their results and watched numbers) older than SCREENING_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SCREENING_RETENTION_DAYS)
    expired = Screening.objects.filter(created_at__lt=cutoff)
    count = expired.count()
    if dry_run:
        return count
    expired.delete()
    if count:
        record_event(action="screening.purged", detail={"count": count, "before": cutoff.isoformat()})
    return count


def stall_cutoff():
    return timezone.now() - timedelta(seconds=settings.SCREENING_STALL_SECONDS)


def stalled_preparations() -> list[str]:
    """Queued screenings waiting too long, and preparations whose worker died (put back in the queue)."""
    cutoff = stall_cutoff()
    dead = Screening.objects.filter(status=Screening.Status.RUNNING, total_rows__isnull=True, started_at__lt=cutoff)
    dead.update(status=Screening.Status.QUEUED, started_at=None)
    waiting = Screening.objects.filter(status=Screening.Status.QUEUED, created_at__lt=cutoff)
    return [str(pk) for pk in waiting.values_list("pk", flat=True)]


def stalled_chunks() -> list[tuple[str, int]]:
    """Chunks started long ago and never finished, or never started long after their screening did."""
    cutoff = stall_cutoff()
    chunks = ScreeningChunk.objects.filter(
        status=ScreeningChunk.Status.PENDING, screening__status=Screening.Status.RUNNING
    ).filter(models.Q(started_at__lt=cutoff) | models.Q(started_at__isnull=True, screening__started_at__lt=cutoff))
    return [(str(screening_id), index) for screening_id, index in chunks.values_list("screening_id", "index")]


def unfinished_screenings() -> list[str]:
    """Running screenings whose chunks are all done but which were never finalized."""
    running = Screening.objects.filter(status=Screening.Status.RUNNING, total_rows__isnull=False)
    running = running.exclude(chunks__status=ScreeningChunk.Status.PENDING)
    return [str(pk) for pk in running.values_list("pk", flat=True)]


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refused (413) before reading when it is over the size limit."""
    if upload.size > settings.SCREENING_MAX_BYTES:
        raise ScreeningRejected(
            f"The file is {upload.size:,} bytes; the limit is {settings.SCREENING_MAX_BYTES:,}.", status=413
        )
    return upload.read()
