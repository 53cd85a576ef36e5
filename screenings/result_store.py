"""The result store: chunk rows packed as CSV text, and results written in bulk (COPY or multi-row INSERT)."""

import csv
import io
import json
from collections.abc import Iterator

from django.db import connection

from directory.matching import MatchResult
from lib.phone_lists import ListRow
from screenings.models import Screening, ScreeningResult


def pack_rows(rows: list[ListRow]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def unpack_rows(content: str) -> Iterator[list[str]]:
    """A chunk's rows as [row number, phone, label, assigned from, assigned to]."""
    return csv.reader(io.StringIO(content, newline=""))


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
