"""Importing contacts from CSV (`number,occurred_at,channel,operation`), row by row.

A bad row is reported and the rest goes on; a file that cannot be read at all
gets one clear message. Re-importing the same file adds nothing.
"""

import csv
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from audit.services import record_event
from directory.models import Contact, ListedNumber, Operation
from directory.services import announce_new_contacts, get_or_create_number, refresh_contact_summary
from lib.phone import normalize
from lib.tabular import UnreadableFile, csv_rows, decode

REQUIRED_COLUMNS = ("number", "occurred_at", "channel", "operation")
IMPORT_OUTCOMES = ("added", "skipped", "rejected")


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


def parse_row(values: dict[str, str]) -> ParsedRow:
    normalized = normalize(values["number"], settings.DEFAULT_REGION)
    if not normalized.is_valid:
        raise RowRejected(f"number {values['number']!r}: {normalized.reason}")
    try:
        occurred_at = datetime.fromisoformat(values["occurred_at"].strip())
    except ValueError:
        raise RowRejected(f"occurred_at {values['occurred_at']!r} is not an ISO 8601 date and time") from None
    if occurred_at.tzinfo is None:
        raise RowRejected(f"occurred_at {values['occurred_at']!r} has no time zone (add +00:00 or Z)")
    channel = values["channel"].strip().lower()
    if channel not in Contact.Channel.values:
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


class ContactImporter:
    """Imports parsed rows, caching operations and numbers for the length of one file."""

    def __init__(self, actor):
        self.actor = actor
        self.operations: dict[str, Operation] = {}
        self.numbers: dict[str, ListedNumber] = {}
        self.touched: set[int] = set()
        self.new_contacts: list[int] = []

    def operation(self, name: str) -> Operation:
        if name not in self.operations:
            operation, created = Operation.objects.get_or_create(name=name)
            if created:
                record_event(action="directory.operation_added", actor=self.actor, detail={"operation": name})
            self.operations[name] = operation
        return self.operations[name]

    def number(self, e164: str) -> ListedNumber:
        if e164 not in self.numbers:
            self.numbers[e164], _ = get_or_create_number(e164)
        return self.numbers[e164]

    def add(self, parsed: ParsedRow) -> tuple[str, str]:
        number = self.number(parsed.e164)
        contact, created = Contact.objects.get_or_create(
            number=number,
            operation=self.operation(parsed.operation_name),
            occurred_at=parsed.occurred_at,
            channel=parsed.channel,
            defaults={"recorded_by": self.actor},
        )
        if not created:
            return "skipped", "already present"
        self.touched.add(number.pk)
        self.new_contacts.append(contact.pk)
        if number.status != ListedNumber.Status.LISTED:
            return "added", f"number is {number.get_status_display().lower()} and stays so until staff relist it"
        return "added", ""


def import_contacts(data: bytes, *, actor=None, filename: str = "") -> ImportReport:
    """Import a whole CSV file of contacts; raises UnreadableFile if it cannot be read."""
    try:
        text, encoding = decode(data, allow_latin1=False)
        rows = csv_rows(data, encoding, text)
        columns = read_header(rows)
        report = ImportReport()
        importer = ContactImporter(actor)
        with transaction.atomic():
            for row_number, cells in enumerate(rows, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                report.rows.append(import_row(importer, row_number, cells, columns))
            refresh_contact_summary(importer.touched)
            announce_new_contacts(importer.new_contacts)
    except csv.Error as error:
        raise UnreadableFile(f"The file is not a readable CSV file ({error}).") from None
    record_event(action="directory.contacts_imported", actor=actor, detail={"file": filename, **report.counts})
    return report


def import_row(importer: ContactImporter, row_number: int, cells: list[str], columns: dict[str, int]) -> ImportedRow:
    values = {name: cells[columns[name]] if columns[name] < len(cells) else "" for name in REQUIRED_COLUMNS}
    try:
        parsed = parse_row(values)
    except RowRejected as rejection:
        return ImportedRow(row_number, "rejected", values["number"], str(rejection))
    with transaction.atomic():
        outcome, message = importer.add(parsed)
    return ImportedRow(row_number, outcome, parsed.e164, message)
