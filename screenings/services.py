"""Screenings: upload, split into chunks, match chunk by chunk, finish (SPEC section 4).

Every step may run twice (a retried task, a re-delivered message, a requeued
chunk): each claims its work with a conditional UPDATE or a row lock and
returns early when someone else already did it.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
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
    try:
        limits.consume_screening_quota(membership.organization, max(rows, 0))
    except limits.LimitExceeded as error:
        record_event(
            action="screening.refused",
            request=request,
            actor=membership.user,
            organization=membership.organization,
            detail={"rows": rows, "limit": error.message},
        )
        raise
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


def prepare_screening(screening_id: str, on_chunk: Callable[[int], None] | None = None) -> list[int]:
    """Split the uploaded file into chunks; returns the chunk indexes (none if someone else prepares it).

    `on_chunk(index)` is called as soon as each chunk is stored, so matching starts while the
    rest of the file is still being split.
    """
    claimed = Screening.objects.filter(pk=screening_id, status=Screening.Status.QUEUED).update(
        status=Screening.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return []
    screening = Screening.objects.get(pk=screening_id)
    try:
        return _split(screening, on_chunk or (lambda index: None))
    except UnreadableFile as error:
        fail_screening(screening_id, str(error))
        return []


def _split(screening: Screening, on_chunk: Callable[[int], None]) -> list[int]:
    """Store the chunks one by one; a second run (its worker died) keeps those already stored."""
    data = ScreeningUpload.objects.filter(screening=screening).values_list("content", flat=True).first()
    if data is None:
        raise UnreadableFile("The uploaded file is gone. Upload it again.")
    data = bytes(data)
    layout = layout_for(screening, data)
    total = 0
    indexes = []
    for index, rows in enumerate(chunked(reading.list_rows(data, layout), settings.SCREENING_CHUNK_ROWS)):
        total += len(rows)
        if total > settings.SCREENING_MAX_ROWS:
            raise UnreadableFile(f"The file has more than {settings.SCREENING_MAX_ROWS:,} rows, the limit.")
        chunk = ScreeningChunk(screening=screening, index=index, row_count=len(rows), content=pack_rows(rows))
        ScreeningChunk.objects.bulk_create([chunk], ignore_conflicts=True)
        on_chunk(index)
        indexes.append(index)
    if not total:
        raise UnreadableFile("The file has no rows with a phone number.")
    with transaction.atomic():
        split = Screening.objects.filter(pk=screening.pk, status=Screening.Status.RUNNING).update(total_rows=total)
        ScreeningUpload.objects.filter(screening=screening).delete()
        if not split:  # a chunk failed the screening meanwhile: the chunks stored since then go too
            ScreeningChunk.objects.filter(screening=screening, screening__status=Screening.Status.FAILED).delete()
            return []
    return indexes


def pack_rows(rows: list[reading.ListRow]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def unpack_rows(content: str) -> Iterator[list[str]]:
    """A chunk's rows as [row number, phone, label, assigned from, assigned to]."""
    return csv.reader(io.StringIO(content, newline=""))


def parse_window(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date (use YYYY-MM-DD)") from None


@dataclass
class ChunkOutcome:
    """What a chunk keeps: the rows to store (never `no_match`), counts, each number's first row,
    and which of those first rows are stored (a match or outside the window)."""

    results: list[tuple[int, MatchResult]]
    counts: dict[str, int]
    first_rows: list[str]
    first_numbers: list[str]
    stored_first_rows: list[str]


FIRST_OCCURRENCES = frozenset((Outcome.MATCH, Outcome.OUTSIDE_WINDOW, Outcome.NO_MATCH))


def match_chunk_rows(rows: Iterator[list[str]], region: str) -> ChunkOutcome:
    """Match one chunk's rows; a bad window date makes its row invalid."""
    numbered, inputs, bad = [], [], []  # row numbers stay text: they are stored as text again
    for row, raw, label, held_from, held_to in rows:
        if held_from or held_to:
            try:
                window = parse_window(held_from, "assigned_from"), parse_window(held_to, "assigned_to")
            except ValueError as error:
                bad.append((int(row), MatchResult(MatchInput(raw, label=label), Outcome.INVALID, reason=str(error))))
                continue
        else:
            window = None, None
        numbered.append(row)
        inputs.append(MatchInput(raw, *window, label=label))
    outcome = ChunkOutcome(bad, dict.fromkeys(Outcome.ALL, 0), [], [], [])
    outcome.counts[Outcome.INVALID] = len(bad)
    for row, result in zip(numbered, match_inputs(inputs, region), strict=True):
        outcome.counts[result.outcome] += 1
        if result.outcome in FIRST_OCCURRENCES:
            outcome.first_rows.append(row)
            outcome.first_numbers.append(result.e164)
        if result.outcome != Outcome.NO_MATCH:
            outcome.results.append((int(row), result))
            if result.outcome in FIRST_OCCURRENCES:
                outcome.stored_first_rows.append(row)
    return outcome


def process_chunk(screening_id: str, index: int) -> bool:
    """Match one chunk and store its results once; returns True when this call stored them."""
    chunk = ScreeningChunk.objects.select_related("screening").filter(screening_id=screening_id, index=index).first()
    if chunk is None or chunk.status == ScreeningChunk.Status.DONE:
        return False
    if chunk.screening.status != Screening.Status.RUNNING:
        return False
    ScreeningChunk.objects.filter(pk=chunk.pk).update(started_at=timezone.now(), attempts=F("attempts") + 1)
    outcome = match_chunk_rows(unpack_rows(chunk.content), chunk.screening.region)
    with transaction.atomic():
        locked = ScreeningChunk.objects.select_for_update().filter(pk=chunk.pk).first()
        if locked is None or locked.status == ScreeningChunk.Status.DONE:
            return False  # done by another worker, or the screening failed meanwhile
        _store_chunk(chunk.screening, locked, outcome)
    return True


def _store_chunk(screening: Screening, chunk: ScreeningChunk, outcome: ChunkOutcome) -> None:
    insert_results(screening, [(chunk.index, row, *stored_fields(result)) for row, result in outcome.results])
    if screening.monitor:
        watched = (
            WatchedNumber(organization_id=screening.organization_id, screening=screening, number_hash=number_hash(e164))
            for e164 in outcome.first_numbers
        )
        WatchedNumber.objects.bulk_create(watched, ignore_conflicts=True)
    chunk.counts = outcome.counts
    chunk.first_rows = ",".join(outcome.first_rows)
    chunk.first_numbers = ",".join(outcome.first_numbers)
    chunk.stored_first_rows = ",".join(outcome.stored_first_rows)
    chunk.status, chunk.done_at = ScreeningChunk.Status.DONE, timezone.now()
    chunk.save(update_fields=["counts", "first_rows", "first_numbers", "stored_first_rows", "status", "done_at"])
    Screening.objects.filter(pk=screening.pk).update(processed_rows=F("processed_rows") + chunk.row_count)


RESULT_FIELDS = ("screening", "chunk_index", "row", "input", "label", "e164", "outcome", "reason", "evidence")


def stored_fields(result: MatchResult) -> tuple:
    return result.input.raw, result.input.label, result.e164 or "", result.outcome, result.reason, result.evidence


def insert_results(screening: Screening, results: list[tuple]) -> None:
    """Write results, each (chunk index, row, input, label, E.164, outcome, reason, evidence).

    A million-row list has tens of thousands of results; model instances and bulk_create cost
    several times what the database does. PostgreSQL takes them with COPY, others in multi-row INSERTs.
    """
    if not results:
        return
    fields = [ScreeningResult._meta.get_field(name) for name in RESULT_FIELDS]
    screening_id = str(fields[0].get_db_prep_value(screening.pk, connection))
    rows = [
        (screening_id, chunk_index, row, raw[:255], label[:255], e164, outcome, reason[:200], evidence)
        for chunk_index, row, raw, label, e164, outcome, reason, evidence in results
    ]
    quote = connection.ops.quote_name
    table, columns = quote(ScreeningResult._meta.db_table), ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(copy_text(rows)))
            return
        one_row, size = f"({', '.join(['%s'] * len(fields))})", connection.ops.bulk_batch_size(fields, rows) or 1
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = ", ".join([one_row] * len(batch))
            params = [value for row in batch for value in (*row[:-1], json_or_none(row[-1]))]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608  # nosec B608


# COPY's text format: a backslash, line break or tab inside a value is written as an escape.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format; the last value (evidence) as JSON, NULL as \\N."""
    lines = []
    for *values, evidence in rows:
        values.append(json_or_none(evidence))
        lines.append("\t".join("\\N" if value is None else str(value).translate(COPY_ESCAPES) for value in values))
    return "\n".join(lines) + "\n"


def json_or_none(value) -> str | None:
    return None if value is None else json.dumps(value)


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
    seen: set[str] = set()
    for index in screening.chunks.order_by("index").values_list("index", flat=True):
        # One chunk in memory at a time, besides the set of numbers seen so far; set and dict
        # operations, not a loop over a million rows.
        chunk = screening.chunks.defer("content").get(index=index)
        for outcome, count in chunk.counts.items():
            counts[outcome] += count
        numbers = chunk.first_numbers.split(",") if chunk.first_numbers else []
        repeated = seen.intersection(numbers)
        seen.update(numbers)
        if repeated:
            row_of = dict(zip(numbers, chunk.first_rows.split(","), strict=True))
            repeats = {row_of[e164]: e164 for e164 in repeated}
            stored = repeats.keys() & set(chunk.stored_first_rows.split(","))
            _mark_duplicates(screening, index, repeats, stored, counts)
    screening.chunks.all().delete()
    screening.status, screening.counts, screening.finished_at = Screening.Status.DONE, counts, timezone.now()
    screening.save(update_fields=["status", "counts", "finished_at"])
    record_event(
        action="screening.done",
        organization=screening.organization,
        detail={"screening": str(screening.pk), "counts": counts},
    )
    return True


def _mark_duplicates(
    screening: Screening, chunk_index: int, repeats: dict[str, str], stored: set[str], counts: dict
) -> None:
    """Rows (E.164 by row number) whose number came earlier in another chunk: their outcome becomes `duplicate`.

    Those `stored` (a match or outside the window) are updated; the others (no match) are written
    now, with their input and label read back from the chunk's rows.
    """
    if stored:
        rows = [int(row) for row in stored]
        # The range lets the index skip to the chunk's rows even before the planner has statistics for them.
        results = screening.results.filter(row__range=(min(rows), max(rows)), row__in=rows)
        for outcome in results.values_list("outcome", flat=True):
            counts[outcome] -= 1
        results.update(outcome=Outcome.DUPLICATE, reason="", evidence=None)
    missing = repeats.keys() - stored
    content = screening.chunks.values_list("content", flat=True).get(index=chunk_index)
    insert_results(
        screening,
        [
            (chunk_index, int(record[0]), record[1], record[2], repeats[record[0]], Outcome.DUPLICATE, "", None)
            for record in unpack_rows(content)
            if record[0] in missing
        ],
    )
    counts[Outcome.NO_MATCH] -= len(missing)
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
