"""Importing contacts from CSV (`number,occurred_at,channel,operation`) as a background job.

The request only checks that the file can be read and queues the job. A file longer than one
batch is shared into parts by number (CONTACT_IMPORT_PARTS), each a task of its own, so that two
worker processes write it side by side. A part reads the whole file in batches and keeps the rows
of its numbers: each row is checked and normalized in Python, then the part's rows of each batch
are written with set operations (directory.ingestion) in one transaction together with their
report, so a part whose worker died starts again after its last committed batch and adds nothing
twice. A bad row is reported and the rest goes on; a file that cannot be read at all gets one
clear message. Re-importing the same file adds nothing.
"""

import csv
import io
import logging
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby, islice
from operator import attrgetter, itemgetter
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_event
from directory.ingestion import StagedContact, WrittenRow, write_contacts
from directory.models import (
    Contact,
    ContactImport,
    ContactImportBatch,
    ContactImportFile,
    ContactImportPart,
    ListedNumber,
    Operation,
)
from directory.services import announce_new_contacts, outside_dates
from lib.bulk import insert_file, read_file
from lib.jobs import BULK_QUEUE, INTERACTIVE_QUEUE
from lib.phone import Normalized, normalize
from lib.tabular import UnreadableFile, decode, line_count, sniff_dialect, text_lines

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("number", "occurred_at", "channel", "operation")
IMPORT_OUTCOMES = ("added", "skipped", "rejected")
MAX_ATTEMPTS = 5
GAVE_UP = "This import stopped a worker {attempts} times, so it was stopped. The rows reported were imported."
UNFINISHED = (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING)


class RowRejected(ValueError):
    """One row cannot be imported; the message says why."""


class ImportedRow(NamedTuple):
    row: int
    outcome: str  # added, skipped or rejected
    number: str = ""
    message: str = ""


@dataclass
class ImportReport:
    rows: list[ImportedRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.outcome for row in self.rows)
        return {outcome: found[outcome] for outcome in IMPORT_OUTCOMES}


class ParsedRow(NamedTuple):
    e164: str
    occurred_at: datetime
    channel: str
    operation_name: str


CHANNELS = frozenset(Contact.Channel.values)


def parse_row(values: dict[str, str], normalized: Normalized) -> ParsedRow:
    """The row's number (as normalized), time, channel and operation."""
    if not normalized.is_valid:
        raise RowRejected(f"number {values['number']!r}: {normalized.reason}")
    try:
        occurred_at = datetime.fromisoformat(values["occurred_at"].strip())
    except ValueError:
        raise RowRejected(f"occurred_at {values['occurred_at']!r} is not an ISO 8601 date and time") from None
    if occurred_at.tzinfo is None:
        raise RowRejected(f"occurred_at {values['occurred_at']!r} has no time zone (add +00:00 or Z)")
    try:
        occurred_at = occurred_at.astimezone(UTC)  # stored in UTC; an offset of seconds is written as such
    except OverflowError:
        raise RowRejected(f"occurred_at {values['occurred_at']!r} is out of range") from None
    channel = values["channel"].strip().lower()
    if channel not in CHANNELS:
        raise RowRejected(f"channel {values['channel']!r} must be call or text")
    operation_name = values["operation"].strip()
    if not operation_name:
        raise RowRejected("operation is empty")
    return ParsedRow(normalized.e164, occurred_at, channel, operation_name)


def read_header(rows) -> dict[str, int]:
    try:
        header = next(rows)
    except StopIteration:
        raise UnreadableFile("The file is empty.") from None
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UnreadableFile(
            f"The file has no column named {', '.join(missing)}. "
            f"The first line must name the columns {', '.join(REQUIRED_COLUMNS)}."
        )
    return columns


class FileRows:
    """A file's CSV rows as they are read, and the line of the file the last one ended on."""

    def __init__(self, data: bytes, encoding: str, text: str):
        self.lines = text_lines(data, encoding)
        self.reader = csv.reader(self.lines, sniff_dialect(text))
        self.skipped_lines = 0

    def __iter__(self):
        return self.reader

    def __next__(self) -> list[str]:
        return next(self.reader)

    @property
    def line(self) -> int:
        return self.skipped_lines + self.reader.line_num

    def skip_to(self, line: int) -> None:
        """Go on from just after `line` without parsing the lines before it (a row's last line, read before)."""
        skipped = max(line - self.line, 0)
        self.skipped_lines += sum(1 for _ in islice(self.lines, skipped))


def open_rows(data: bytes) -> tuple[dict[str, int], FileRows, int]:
    """The file's columns, its data rows (not yet read) and its number of lines; UnreadableFile if it cannot be read."""
    text, encoding = decode(data, allow_latin1=False)
    lines = line_count(text)
    rows = FileRows(data, encoding, text)
    try:
        return read_header(rows), rows, lines
    except csv.Error as error:
        raise unreadable(error) from None


def unreadable(error: csv.Error, line: int | None = None) -> UnreadableFile:
    where = f" at line {line}; the batches before it were imported" if line else ""
    return UnreadableFile(f"The file is not a readable CSV file ({error}){where}.")


class OperationBook:
    """The operations a file names, looked up once per job; unknown ones created only when the import says so."""

    def __init__(self, contact_import: ContactImport):
        self.contact_import = contact_import
        self.known: dict[str, Operation | None] = {}

    def find(self, name: str) -> Operation:
        if name not in self.known:
            self.known[name] = Operation.objects.filter(name=name).first()
        if self.known[name] is None and self.contact_import.create_operations:
            self.known[name] = self.create(name)
        if self.known[name] is None:
            raise RowRejected(f"unknown operation {name!r} (create it first, or import with the option to create it)")
        return self.known[name]

    def create(self, name: str) -> Operation:
        operation, created = Operation.objects.get_or_create(name=name)
        if created:
            actor = self.contact_import.created_by
            record_event(action="directory.operation_added", actor=actor, detail={"operation": name})
        return operation


class CheckedRow(NamedTuple):
    """A row that passed the checks, with the note its report line carries if it is added."""

    staged: StagedContact
    note: str = ""


def check_row(book: OperationBook, row_number: int, parsed: ParsedRow) -> CheckedRow:
    """The row's operation, and whether the contact falls in its dates."""
    operation = book.find(parsed.operation_name)
    note = outside_dates(operation, parsed.occurred_at)
    if note and not book.contact_import.allow_outside_operation:
        raise RowRejected(note)
    if note:
        note += ", accepted as the import allows"
    staged = StagedContact(row_number, parsed.e164, operation.pk, parsed.occurred_at, parsed.channel)
    return CheckedRow(staged, note)


def row_values(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {name: cells[columns[name]] if columns[name] < len(cells) else "" for name in REQUIRED_COLUMNS}


STATUS_NOTE = "number is {status} and stays so until staff relist it"


@dataclass
class BatchResult:
    rows: list[ImportedRow]
    new_contacts: list[int]


class ReadRow(NamedTuple):
    """A row of the file as read: its number, its cells by column, and what parsing made of it."""

    row: int
    values: dict[str, str]
    parsed: ParsedRow | None
    rejection: str = ""


def part_of(normalized: Normalized, row_number: int, parts: int) -> int:
    """The part a row belongs to: its number's, so that one part writes every row of a number.

    A row without a usable number touches nothing in the directory: it goes by its row number.
    """
    if parts == 1:
        return 0
    if normalized.e164 is None:
        return row_number % parts
    return zlib.crc32(normalized.e164.encode()) % parts


def read_batch(rows: list[tuple[int, list[str]]], columns: dict[str, int], part: int = 0, parts: int = 1):
    """Parse a batch of (row number, cells), keeping the rows of `part`: the checks that need no database."""
    read = []
    region = settings.DEFAULT_REGION
    number_column = columns["number"]
    for row_number, cells in rows:
        normalized = normalize(cells[number_column] if number_column < len(cells) else "", region)
        if part_of(normalized, row_number, parts) != part:
            continue
        values = row_values(cells, columns)
        try:
            read.append(ReadRow(row_number, values, parse_row(values, normalized)))
        except RowRejected as rejection:
            read.append(ReadRow(row_number, values, None, str(rejection)))
    return read


def import_batch(book: OperationBook, rows: list[ReadRow]) -> BatchResult:
    """Check, then write, one batch of read rows: the report of each of its rows and the new contacts."""
    return write_batch(book.contact_import, *check_rows(book, rows))


def write_batch(
    contact_import: ContactImport, report: dict[int, ImportedRow], checked: dict[int, CheckedRow]
) -> BatchResult:
    """Write a batch's checked rows: the report of each row (`report` holds the rejected ones) and the new contacts."""
    started = time.perf_counter()
    staged = [row.staged for row in checked.values()]
    written = write_contacts(staged, actor_id=contact_import.created_by_id, now=timezone.now())
    logger.info("import %s: %d rows written in %.2f s", contact_import.pk, len(staged), time.perf_counter() - started)
    report.update(written_rows(checked, written))
    new_contacts = [fate.contact_id for fate in written if fate.added]
    return BatchResult([report[row_number] for row_number in sorted(report)], new_contacts)


def check_rows(book: OperationBook, rows: list[ReadRow]) -> tuple[dict[int, ImportedRow], dict[int, CheckedRow]]:
    """The rejected rows' report, and the rows to write."""
    started = time.perf_counter()
    report: dict[int, ImportedRow] = {}
    checked: dict[int, CheckedRow] = {}
    for row in rows:
        try:
            if row.parsed is None:
                raise RowRejected(row.rejection)
            checked[row.row] = check_row(book, row.row, row.parsed)
        except RowRejected as rejection:
            report[row.row] = ImportedRow(row.row, "rejected", row.values["number"], str(rejection))
    elapsed = time.perf_counter() - started
    logger.info("import %s: %d rows checked in %.2f s", book.contact_import.pk, len(rows), elapsed)
    return report, checked


def written_rows(checked: dict[int, CheckedRow], written: list[WrittenRow]) -> dict[int, ImportedRow]:
    """The report of the rows that were written: added (with their notes) or already present."""
    report = {}
    statuses = dict(ListedNumber.Status.choices)
    for fate in written:
        row = checked[fate.row]
        if not fate.added:
            report[fate.row] = ImportedRow(fate.row, "skipped", row.staged.e164, "already present")
            continue
        notes = [row.note] if row.note else []
        if fate.number_status != ListedNumber.Status.LISTED:
            notes.append(STATUS_NOTE.format(status=statuses[fate.number_status].lower()))
        report[fate.row] = ImportedRow(fate.row, "added", row.staged.e164, "; ".join(notes))
    return report


# The report of a batch: one CSV line per row (row, outcome, number, message).


def pack_report(rows: list[ImportedRow]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)  # each (row, outcome, number, message)
    return text.getvalue()


def unpack_report(text: str) -> Iterator[ImportedRow]:
    for row, outcome, number, message in csv.reader(io.StringIO(text, newline="")):
        yield ImportedRow(int(row), outcome, number, message)


def create_import(
    *,
    data: bytes,
    filename: str = "",
    actor=None,
    create_operations: bool = False,
    allow_outside_operation: bool = False,
    request=None,
    queue: bool = True,
) -> ContactImport:
    """Check that the file can be read, store it and queue its parts; nothing is imported in the request."""
    _, _, lines = open_rows(data)
    total_rows = max(lines - 1, 0)
    batch_rows = settings.CONTACT_IMPORT_BATCH_ROWS
    part_count = settings.CONTACT_IMPORT_PARTS if total_rows > batch_rows else 1
    with transaction.atomic():
        contact_import = ContactImport.objects.create(
            created_by=actor,
            filename=filename[:255],
            create_operations=create_operations,
            allow_outside_operation=allow_outside_operation,
            total_rows=total_rows,
            part_count=part_count,
            batch_rows=batch_rows,
        )
        parts = ContactImportPart.objects.bulk_create(
            ContactImportPart(contact_import=contact_import, number=part) for part in range(part_count)
        )
        insert_file(ContactImportFile, contact_import=contact_import, content=data, size=len(data))
        record_event(
            action="directory.contacts_import_queued",
            request=request,
            actor=actor,
            detail={"import": str(contact_import.pk), "file": filename},
        )
        if queue:
            for part in parts:
                transaction.on_commit(lambda part=part: queue_part(str(contact_import.pk), part.number, part.lease))
    return contact_import


def queue_part(import_id: str, part: int, lease) -> None:
    """Send a part's task: a file of one batch to `interactive`, the parts of a longer one to `bulk`."""
    from directory.tasks import run_contact_import_task

    job = ContactImport.objects.values("total_rows", "batch_rows").get(pk=import_id)
    queue = BULK_QUEUE if (job["total_rows"] or 0) > job["batch_rows"] else INTERACTIVE_QUEUE
    run_contact_import_task.apply_async((import_id, part, None if lease is None else str(lease)), queue=queue)


def requeue_part(import_id: str, part: int) -> None:
    """Send a part that seems stalled again, under a new lease: a task of its older chain stops at its claim."""
    lease = uuid.uuid4()
    if _held(import_id, part, None).update(lease=lease):
        queue_part(import_id, part, lease)


def create_uploaded_import(fields: dict, *, actor, request) -> ContactImport:
    """`create_import` for a file uploaded with the import form's fields (the admin's or the API's)."""
    upload = fields["file"]
    return create_import(
        data=upload.read(),
        filename=upload.name,
        actor=actor,
        create_operations=fields["create_operations"],
        allow_outside_operation=fields["allow_outside_operation"],
        request=request,
    )


def run_import(import_id: str, part: int | None = None, *, lease=None, deadline: float | None = None) -> bool:
    """Import one part's batches not yet done (every unfinished part's, one after the other, if `part` is None).

    With a `lease`, only while the part holds it. A part stops after the batch that ends past
    `deadline` (a `time.monotonic()`), so that the worker process can take other work: True then,
    and its task is to be sent again. Returns at once if the part has finished, the job has ended
    or the lease has gone to a newer task. The part that finishes last ends the job.
    """
    if part is None:
        unfinished = ContactImportPart.objects.filter(contact_import_id=import_id, finished_at=None)
        for number in unfinished.values_list("number", flat=True):
            run_import(import_id, number)
        return False
    attempts = _claim(import_id, part, lease)
    if attempts is None:
        return False
    if attempts > MAX_ATTEMPTS:
        fail_import(import_id, GAVE_UP.format(attempts=MAX_ATTEMPTS))
        return False
    data = read_file(ContactImportFile.objects.filter(contact_import_id=import_id), "content")
    if data is None:
        fail_import(import_id, "The uploaded file is gone. Upload it again.")
        return False
    contact_import = ContactImport.objects.select_related("created_by").get(pk=import_id)
    try:
        stopped = _import_part(contact_import, part, data, deadline)
    except UnreadableFile as error:
        finish_part(import_id, part, error=str(error))
        return False
    if stopped:
        # Stopping on time is not a worker dying: the part's attempts start again. A task whose
        # lease went to a newer one meanwhile is not sent again.
        return bool(_held(import_id, part, lease).update(attempts=0, heartbeat_at=timezone.now()))
    finish_part(import_id, part)
    return False


def _held(import_id: str, part: int, lease):
    """The part, if it is unfinished and (given a lease) still under it."""
    parts = ContactImportPart.objects.filter(contact_import_id=import_id, number=part, finished_at=None)
    return parts if lease is None else parts.filter(lease=lease)


def _claim(import_id: str, part: int, lease) -> int | None:
    """Mark the part started (once more if its worker died) and the job running.

    Returns the part's attempts, or None if the job has ended, or the part has finished or is
    under another lease. The job is locked first, then the part, as everywhere.
    """
    now = timezone.now()
    with transaction.atomic():
        job = _locked_job(import_id)
        if job is None or job.is_finished:
            return None
        if not _held(import_id, part, lease).update(attempts=F("attempts") + 1, heartbeat_at=now):
            return None
        ContactImport.objects.filter(pk=import_id).update(
            status=ContactImport.Status.RUNNING, started_at=job.started_at or now
        )
        return _held(import_id, part, lease).values_list("attempts", flat=True).get()


def _import_part(contact_import: ContactImport, part: int, data: bytes, deadline: float | None) -> bool:
    """Write the part's batches not stored yet, from where it stopped; True if it stopped at `deadline`."""
    columns, rows, _ = open_rows(data)
    batches = contact_import.batches.filter(part=part).order_by("index")
    stored = list(batches.values_list("index", "end_line", "end_row"))
    done = {index for index, _, _ in stored}
    if any(not end_line for _, end_line, _ in stored):
        deadline = None  # batches stored before they kept their place: read on to the end at once
    start = _resume_point(stored)
    rows.skip_to(start.end_line)
    book = OperationBook(contact_import)
    try:
        for batch in _batches(rows, contact_import.batch_rows, start.index, start.row):
            if batch.index in done:
                continue
            read = read_batch(batch.rows, columns, part, contact_import.part_count)
            _commit_batch(contact_import, book, part, batch, read)
            if deadline is not None and time.monotonic() >= deadline:
                return True
    except csv.Error as error:
        raise unreadable(error, rows.line) from None
    return False


@dataclass(frozen=True)
class Batch:
    """A batch of the file's rows that are not blank: (row number, cells), the line it ends on, the row after it."""

    index: int
    rows: list[tuple[int, list[str]]]
    end_line: int
    next_row: int


@dataclass(frozen=True)
class ResumePoint:
    index: int
    end_line: int = 0  # of the batch before
    row: int = 2


def _resume_point(stored: list[tuple[int, int, int]]) -> ResumePoint:
    """Where a part goes on: after the last of its batches stored one after the other from the first."""
    point = ResumePoint(0)
    for index, end_line, end_row in stored:
        if index != point.index or not end_line:
            break
        point = ResumePoint(index + 1, end_line, end_row)
    return point


def _batches(rows: FileRows, size: int, index: int = 0, row: int = 2) -> Iterator[Batch]:
    """The file's rows that are not blank, `size` at a time, numbered as in a spreadsheet."""
    batch = []
    for row_number, cells in enumerate(rows, start=row):
        if "".join(cells).strip():
            batch.append((row_number, cells))
        if len(batch) == size:
            yield Batch(index, batch, rows.line, row_number + 1)
            index += 1
            batch = []
    if batch:
        yield Batch(index, batch, rows.line, batch[-1][0] + 1)


def _commit_batch(contact_import: ContactImport, book: OperationBook, part: int, batch: Batch, rows: list[ReadRow]):
    """A part's rows of one batch, with their report, in one transaction; a batch already stored is left alone.

    The rows are checked first, outside the transaction: an operation the import creates is
    committed at once, so two parts creating operations never wait for each other. A number the
    batch adds contacts to may be deleted (by the retention purge) before the batch commits, or an
    operation; the commit then fails on a foreign key, and the batch is checked and written once
    more, adding the number again.
    """
    try:
        written = _write_batch(contact_import, part, batch, *check_rows(book, rows))
    except IntegrityError:
        logger.info("import %s: batch %d broke a foreign key at commit; writing again", contact_import.pk, batch.index)
        book.known.clear()  # an operation may have gone meanwhile
        contact_import.refresh_from_db(fields=["created_by"])  # the curator may have been deleted meanwhile
        written = _write_batch(contact_import, part, batch, *check_rows(book, rows))
    if written:
        # The job's row is shared by its parts: updated after the commit, it is locked for an instant only.
        ContactImport.objects.filter(pk=contact_import.pk).update(processed_rows=F("processed_rows") + len(rows))


def _write_batch(
    contact_import: ContactImport,
    part: int,
    batch: Batch,
    report: dict[int, ImportedRow],
    checked: dict[int, CheckedRow],
) -> bool:
    """Write the batch unless it is stored or the job has ended; False if nothing was written.

    The part's row is locked for the transaction: a second worker on the same part (a message
    delivered twice) waits, then finds the batch stored; the other parts go on.
    """
    with transaction.atomic():
        ContactImportPart.objects.select_for_update().filter(contact_import_id=contact_import.pk, number=part).get()
        status = ContactImport.objects.values_list("status", flat=True).get(pk=contact_import.pk)
        stored = ContactImportBatch.objects.filter(contact_import_id=contact_import.pk, part=part, index=batch.index)
        if status not in UNFINISHED or stored.exists():
            return False
        result = write_batch(contact_import, report, checked)
        ContactImportBatch.objects.create(
            contact_import_id=contact_import.pk,
            index=batch.index,
            part=part,
            end_line=batch.end_line,
            end_row=batch.next_row,
            report=pack_report(result.rows),
            counts=ImportReport(result.rows).counts,
        )
        ContactImportPart.objects.filter(contact_import_id=contact_import.pk, number=part).update(
            heartbeat_at=timezone.now()
        )
        announce_new_contacts(result.new_contacts)
    return True


def finish_part(import_id: str, part: int, error: str = "") -> None:
    """The part has read the file (to the end, or up to the line `error` names); the last part to finish ends the job.

    Every part reads the same file, so an unreadable line stops each of them there: the job fails
    with that message once every part has imported the batches before it.
    """
    with transaction.atomic():
        job = _locked_job(import_id)
        if job is None or job.is_finished:
            return
        job.parts.filter(number=part).update(finished_at=timezone.now(), error=error)
        parts = list(job.parts.values_list("finished_at", "error"))
        if any(finished_at is None for finished_at, _ in parts):
            return
        errors = [error for _, error in parts if error]
        if errors:
            _end(job, ContactImport.Status.FAILED, counts=_summed_counts(job), error=errors[0])
            return
        counts = _summed_counts(job)
        _end(job, ContactImport.Status.DONE, counts=counts, processed_rows=job.total_rows or job.processed_rows)
        record_event(
            action="directory.contacts_imported", actor=job.created_by, detail={"file": job.filename, **counts}
        )


def fail_import(import_id: str, error: str) -> None:
    """End the job at once, every part with it; the batches committed so far stay imported and reported."""
    with transaction.atomic():
        job = _locked_job(import_id)
        if job is None or job.is_finished:
            return
        list(job.parts.select_for_update())  # waits for the batches being written to commit
        _end(job, ContactImport.Status.FAILED, counts=_summed_counts(job), error=error)


def _locked_job(import_id: str) -> ContactImport | None:
    """The job (None if it was deleted), locked against its other ends; `no_key` lets the parts' batches
    (which refer to it) commit meanwhile."""
    jobs = ContactImport.objects.select_for_update(no_key=True, of=("self",)).select_related("created_by")
    return jobs.filter(pk=import_id).first()


def _summed_counts(job: ContactImport) -> dict[str, int]:
    counts = dict.fromkeys(IMPORT_OUTCOMES, 0)
    for batch_counts in job.batches.values_list("counts", flat=True):
        for outcome, count in batch_counts.items():
            counts[outcome] += count
    return counts


def _end(job: ContactImport, status: str, **fields) -> None:
    """The job ends: its file is deleted, as a screening's is."""
    ContactImport.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)
    ContactImportFile.objects.filter(contact_import_id=job.pk).delete()


def import_contacts(data: bytes, **options) -> ImportReport:
    """Import a whole file in this process, as workers would, and return its report.

    For `manage.py import_contacts --wait` and for tests; `options` are those of `create_import`
    (filename, actor, create_operations, allow_outside_operation). Raises UnreadableFile if the
    file cannot be read.
    """
    contact_import = create_import(data=data, queue=False, **options)
    run_import(str(contact_import.pk))
    contact_import.refresh_from_db()
    if contact_import.status == ContactImport.Status.FAILED:
        raise UnreadableFile(contact_import.error)
    return ImportReport(list(report_rows(contact_import)))


def report_rows(contact_import: ContactImport, outcome: str = "", indexes=None) -> Iterator[ImportedRow]:
    """The job's per-row report in row order, read batch by batch (its parts' together).

    Only the rows of `outcome`, and of the batches `indexes`, if given.
    """
    batches = contact_import.batches.order_by("index", "part")
    if indexes is not None:
        batches = batches.filter(index__in=indexes)
    for _, parts in groupby(batches.values_list("index", "report").iterator(), key=itemgetter(0)):
        rows = sorted((row for _, text in parts for row in unpack_report(text)), key=attrgetter("row"))
        yield from (row for row in rows if not outcome or row.outcome == outcome)


def stalled_parts() -> list[tuple[str, int]]:
    """Parts of running imports queued long ago and never started, or whose worker has committed nothing for a while."""
    cutoff = timezone.now() - timedelta(seconds=settings.SCREENING_STALL_SECONDS)
    stalled = ContactImportPart.objects.filter(finished_at=None, contact_import__status__in=UNFINISHED).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, contact_import__created_at__lt=cutoff)
    )
    return [(str(pk), number) for pk, number in stalled.values_list("contact_import_id", "number")]
