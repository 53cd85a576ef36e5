"""The screening pipeline: prepare (split the file into chunks), match each chunk, finalize, or fail.

Every step may run twice (a retried task, a re-delivered message, a requeued
chunk): each claims its work with a conditional UPDATE or a row lock and
returns early when someone else already did it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_event
from directory.matching import MatchInput, MatchResult, Outcome, match_inputs
from lib.hashing import number_hash
from lib.phone_lists import Layout, ListRow, list_rows, parse_window
from lib.tabular import UnreadableFile
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload, WatchedNumber
from screenings.result_store import insert_results, pack_rows, stored_fields, unpack_rows


def chunked(rows: Iterator[ListRow], size: int) -> Iterator[list[ListRow]]:
    chunk: list[ListRow] = []
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
    now = timezone.now()
    claimed = Screening.objects.filter(pk=screening_id, status=Screening.Status.QUEUED).update(
        status=Screening.Status.RUNNING, started_at=now, heartbeat_at=now, prepare_attempts=F("prepare_attempts") + 1
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
    layout = Layout.from_dict(screening.layout)
    total = 0
    indexes = []
    for index, rows in enumerate(chunked(list_rows(data, layout), settings.SCREENING_CHUNK_ROWS)):
        total += len(rows)
        if total > settings.SCREENING_MAX_ROWS:
            raise UnreadableFile(f"The file has more than {settings.SCREENING_MAX_ROWS:,} rows, the limit.")
        chunk = ScreeningChunk(screening=screening, index=index, row_count=len(rows), content=pack_rows(rows))
        ScreeningChunk.objects.bulk_create([chunk], ignore_conflicts=True)
        Screening.objects.filter(pk=screening.pk).update(heartbeat_at=timezone.now())
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
