"""Importing contacts from CSV (`number,occurred_at,channel,operation`) as a background job.

The request only checks that the file can be read and queues the job. A worker reads the file in
batches: each row is checked and normalized in Python, then each batch is written with set
operations (directory.ingestion) in one transaction together with its part of the per-row
report, so a job whose worker died starts again after its last committed batch and adds nothing
twice. A bad row is reported and the rest goes on; a file that cannot be read at all gets one
clear message. Re-importing the same file adds nothing.
"""

import csv
import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_event
from directory.ingestion import StagedContact, WrittenRow, write_contacts
from directory.models import Contact, ContactImport, ContactImportBatch, ContactImportFile, ListedNumber, Operation
from directory.services import announce_new_contacts, outside_dates
from lib.bulk import insert_file
from lib.phone import normalize
from lib.tabular import UnreadableFile, csv_rows, decode, line_count

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("number", "occurred_at", "channel", "operation")
IMPORT_OUTCOMES = ("added", "skipped", "rejected")
MAX_ATTEMPTS = 5
GAVE_UP = "This import stopped a worker {attempts} times, so it was stopped. The rows reported were imported."


class RowRejected(ValueError):
    """One row cannot be imported; the message says why."""


@dataclass
class ImportedRow:
    row: int
    outcome: str  # added, skipped or rejected
    number: str = ""
    message: str = ""


@dataclass
class ImportReport:
    rows: list[ImportedRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in IMPORT_OUTCOMES}


@dataclass
class ParsedRow:
    e164: str
    occurred_at: datetime
    channel: str
    operation_name: str


CHANNELS = frozenset(Contact.Channel.values)


def parse_row(values: dict[str, str], region: str) -> ParsedRow:
    """The row's number (in `region` when written without a country code), time, channel and operation."""
    normalized = normalize(values["number"], region)
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


def open_rows(data: bytes) -> tuple[dict[str, int], Iterator[list[str]], int]:
    """The file's columns, its data rows (not yet read) and its number of lines; UnreadableFile if it cannot be read."""
    text, encoding = decode(data, allow_latin1=False)
    lines = line_count(text)
    rows = csv_rows(data, encoding, text)
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


@dataclass
class CheckedRow:
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


@dataclass
class ReadRow:
    """A row of the file as read: its number, its cells by column, and what parsing made of it."""

    row: int
    values: dict[str, str]
    parsed: ParsedRow | None
    rejection: str = ""


def read_batch(rows: list[tuple[int, list[str]]], columns: dict[str, int]) -> list[ReadRow]:
    """Parse a batch of (row number, cells): the part of the checks that needs no database."""
    read = []
    region = settings.DEFAULT_REGION
    for row_number, cells in rows:
        values = row_values(cells, columns)
        try:
            read.append(ReadRow(row_number, values, parse_row(values, region)))
        except RowRejected as rejection:
            read.append(ReadRow(row_number, values, None, str(rejection)))
    return read


def import_batch(book: OperationBook, rows: list[ReadRow]) -> BatchResult:
    """Check, then write, one batch of read rows: the report of each of its rows and the new contacts."""
    started = time.perf_counter()
    report, checked = check_rows(book, rows)
    checked_at = time.perf_counter()
    contact_import = book.contact_import
    staged = [row.staged for row in checked.values()]
    written = write_contacts(staged, actor_id=contact_import.created_by_id, now=timezone.now())
    logger.info(
        "import %s: %d rows checked in %.2f s, written in %.2f s",
        contact_import.pk,
        len(rows),
        checked_at - started,
        time.perf_counter() - checked_at,
    )
    report.update(written_rows(checked, written))
    new_contacts = [fate.contact_id for fate in written if fate.added]
    return BatchResult([report[row_number] for row_number in sorted(report)], new_contacts)


def check_rows(book: OperationBook, rows: list[ReadRow]) -> tuple[dict[int, ImportedRow], dict[int, CheckedRow]]:
    """The rejected rows' report, and the rows to write."""
    report: dict[int, ImportedRow] = {}
    checked: dict[int, CheckedRow] = {}
    for row in rows:
        try:
            if row.parsed is None:
                raise RowRejected(row.rejection)
            checked[row.row] = check_row(book, row.row, row.parsed)
        except RowRejected as rejection:
            report[row.row] = ImportedRow(row.row, "rejected", row.values["number"], str(rejection))
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
    csv.writer(text, lineterminator="\n").writerows((row.row, row.outcome, row.number, row.message) for row in rows)
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
    """Check that the file can be read, store it and queue its job; nothing is imported in the request."""
    _, _, lines = open_rows(data)
    with transaction.atomic():
        contact_import = ContactImport.objects.create(
            created_by=actor,
            filename=filename[:255],
            create_operations=create_operations,
            allow_outside_operation=allow_outside_operation,
            total_rows=max(lines - 1, 0),
        )
        insert_file(ContactImportFile, contact_import=contact_import, content=data, size=len(data))
        record_event(
            action="directory.contacts_import_queued",
            request=request,
            actor=actor,
            detail={"import": str(contact_import.pk), "file": filename},
        )
        if queue:
            from directory.tasks import run_contact_import_task

            run_contact_import_task.delay_on_commit(str(contact_import.pk))
    return contact_import


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


def run_import(import_id: str) -> None:
    """Import the file's batches not yet done, then end the job; returns at once if the job has ended."""
    if not _claim(import_id):
        return
    contact_import = ContactImport.objects.select_related("created_by").get(pk=import_id)
    if contact_import.attempts > MAX_ATTEMPTS:
        fail_import(import_id, GAVE_UP.format(attempts=MAX_ATTEMPTS))
        return
    data = ContactImportFile.objects.filter(contact_import_id=import_id).values_list("content", flat=True).first()
    if data is None:
        fail_import(import_id, "The uploaded file is gone. Upload it again.")
        return
    try:
        _import_batches(contact_import, bytes(data))
    except UnreadableFile as error:
        fail_import(import_id, str(error))
        return
    finish_import(import_id)


def _claim(import_id: str) -> bool:
    """Mark the job running (once more if its worker died); False if it has ended."""
    now = timezone.now()
    return bool(
        ContactImport.objects.filter(
            pk=import_id, status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING]
        ).update(status=ContactImport.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    )


def _import_batches(contact_import: ContactImport, data: bytes) -> None:
    columns, rows, _ = open_rows(data)
    done = set(contact_import.batches.values_list("index", flat=True))
    book = OperationBook(contact_import)
    try:
        for index, batch in enumerate(_batches(rows)):
            if index not in done:
                _commit_batch(contact_import, book, index, read_batch(batch, columns))
    except csv.Error as error:
        raise unreadable(error, rows.line_num) from None


def _batches(rows: Iterator[list[str]]) -> Iterator[list[tuple[int, list[str]]]]:
    """The file's rows that are not blank, with their spreadsheet row numbers, CONTACT_IMPORT_BATCH_ROWS at a time."""
    batch = []
    size = settings.CONTACT_IMPORT_BATCH_ROWS
    for row_number, cells in enumerate(rows, start=2):
        if "".join(cells).strip():
            batch.append((row_number, cells))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _commit_batch(contact_import: ContactImport, book: OperationBook, index: int, rows: list[ReadRow]) -> None:
    """One batch, its report and the job's progress in one transaction; a batch already stored is left alone.

    A number the batch adds contacts to may be deleted (by the retention purge) before the batch
    commits, or the curator who started the import; the commit then fails on a foreign key, and the
    batch is written once more, adding the number again.
    """
    try:
        _write_batch(contact_import, book, index, rows)
    except IntegrityError:
        logger.info("import %s: batch %d broke a foreign key at commit; writing it again", contact_import.pk, index)
        book.known.clear()  # an operation the failed attempt created was rolled back with it
        contact_import.refresh_from_db(fields=["created_by"])  # the curator may have been deleted meanwhile
        _write_batch(contact_import, book, index, rows)


def _write_batch(contact_import: ContactImport, book: OperationBook, index: int, rows: list[ReadRow]) -> None:
    with transaction.atomic():
        job = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if job.is_finished or job.batches.filter(index=index).exists():
            return
        result = import_batch(book, rows)
        ContactImportBatch.objects.create(
            contact_import=job, index=index, report=pack_report(result.rows), counts=ImportReport(result.rows).counts
        )
        ContactImport.objects.filter(pk=job.pk).update(processed_rows=rows[-1].row - 1, heartbeat_at=timezone.now())
        announce_new_contacts(result.new_contacts)


def finish_import(import_id: str) -> None:
    with transaction.atomic():
        job = ContactImport.objects.select_for_update().get(pk=import_id)
        if job.is_finished:
            return
        counts = _summed_counts(job)
        _end(job, ContactImport.Status.DONE, counts=counts, processed_rows=job.total_rows or job.processed_rows)
        record_event(
            action="directory.contacts_imported", actor=job.created_by, detail={"file": job.filename, **counts}
        )


def fail_import(import_id: str, error: str) -> None:
    with transaction.atomic():
        job = ContactImport.objects.select_for_update().get(pk=import_id)
        if job.is_finished:
            return
        _end(job, ContactImport.Status.FAILED, counts=_summed_counts(job), error=error)


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
    """Import a whole file in this process, as a worker would, and return its report.

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


def report_rows(contact_import: ContactImport, outcome: str = "") -> Iterator[ImportedRow]:
    """The job's per-row report in row order, read batch by batch; only rows of `outcome` if given."""
    for text in contact_import.batches.order_by("index").values_list("report", flat=True).iterator():
        for row in unpack_report(text):
            if not outcome or row.outcome == outcome:
                yield row


def stalled_imports() -> list[str]:
    """Imports queued long ago and never started, or whose worker has committed nothing for a while."""
    cutoff = timezone.now() - timedelta(seconds=settings.SCREENING_STALL_SECONDS)
    stalled = ContactImport.objects.filter(
        Q(status=ContactImport.Status.QUEUED, created_at__lt=cutoff)
        | Q(status=ContactImport.Status.RUNNING, heartbeat_at__lt=cutoff)
    )
    return [str(pk) for pk in stalled.values_list("pk", flat=True)]
