"""The rows of a result file, lookups and screenings alike, safe to open in a spreadsheet. No Django: the
private-screening client writes its result file with this same code, so every file has the same columns.

A cell is typed here (numbers as int, dates as date, the rest text) so that each format writes it
the same way: the CSV as text escaped against formula injection, the XLSX as a typed cell.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date

EXPORT_COLUMNS = [
    "row",
    "input",
    "label",
    "e164",
    "outcome",
    "reason",
    "repeat_of_row",
    "first_contact",
    "last_contact",
    "contact_count",
    "channels",
    "jurisdictions",
    "phone_column",
]
E164_COLUMN = EXPORT_COLUMNS.index("e164")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
E164_PATTERN = re.compile(r"\+[0-9]{1,19}")


def export_cells(
    *,
    row: int,
    input: str,
    label: str,
    e164: str | None,
    outcome: str,
    reason: str,
    first_row,
    evidence,
    phone_column: str = "",
) -> list:
    """One result as typed cells in EXPORT_COLUMNS order; None for an empty cell. `phone_column` names the
    file's column a screened number came from (a lookup has none)."""
    evidence = evidence or {}
    return [
        row,
        input,
        label,
        e164 or None,
        outcome,
        reason,
        first_row,
        _day(evidence.get("first_contact")),
        _day(evidence.get("last_contact")),
        evidence.get("contact_count"),
        " ".join(evidence.get("channels", [])),
        # Results stored before evidence left out empty jurisdictions may still hold some.
        "; ".join(
            operation["jurisdiction"] for operation in evidence.get("operations", []) if operation["jurisdiction"]
        ),
        phone_column,
    ]


def result_cells(result, phone_column: str = "") -> list:
    """A kept result (anything with row, input, label, e164, outcome, reason, first_row and evidence, as the
    site stores it and the private-screening client makes it) as typed cells."""
    return export_cells(
        row=result.row,
        phone_column=phone_column,
        input=result.input,
        label=result.label,
        e164=result.e164,
        outcome=result.outcome,
        reason=result.reason,
        first_row=result.first_row,
        evidence=result.evidence,
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def is_e164(value) -> bool:
    """The system-made E.164 cell: a '+' and digits only, so it cannot be a formula."""
    return isinstance(value, str) and E164_PATTERN.fullmatch(value) is not None


def escape_formula(value) -> str:
    """A text cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def text_cells(cells: list) -> list[str]:
    """Typed cells as text: dates in ISO format, numbers in digits, nothing as an empty cell."""
    return [cell.isoformat() if isinstance(cell, date) else "" if cell is None else str(cell) for cell in cells]


def csv_cells(cells: list) -> list[str]:
    """Typed cells as CSV text: a valid E.164 as it is, any other text escaped against formulas."""
    return [
        text if (index == E164_COLUMN and is_e164(text)) or not isinstance(cell, str) else escape_formula(text)
        for index, (cell, text) in enumerate(zip(cells, text_cells(cells), strict=True))
    ]


class Echo:
    """A file-like object that hands back what is written, for streaming CSV lines."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """A result file as CSV lines: the header, then each row of typed cells."""
    writer = csv.writer(Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for cells in rows:
        yield writer.writerow(csv_cells(cells))
