"""The columns every export of results has, lookups and screenings alike, in CSV and XLSX.

A cell is typed here (numbers as int, dates as date, the rest text) so that each format writes it
the same way: the CSV as text escaped against formula injection, the XLSX as a typed cell.
"""

import re
import tempfile
from collections.abc import Iterable
from datetime import date

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from directory.matching import MatchResult, Outcome

EXPORT_COLUMNS = [
    "row",
    "phone_column",
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
]
E164_COLUMN = EXPORT_COLUMNS.index("e164")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        phone_column,
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
    ]


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


def lookup_export_rows(results: list[MatchResult]) -> list[list]:
    """A lookup's results as export cells: the row is the line of the pasted list, a repeat names its first line."""
    first_line: dict[str, int] = {}
    rows = []
    for line, result in enumerate(results, start=1):
        repeat_of = first_line.get(result.e164) if result.outcome == Outcome.DUPLICATE else None
        if result.e164:
            first_line.setdefault(result.e164, line)
        rows.append(
            export_cells(
                row=line,
                input=result.input.raw,
                label=result.input.label,
                e164=result.e164,
                outcome=result.outcome,
                reason=result.reason,
                first_row=repeat_of,
                evidence=result.evidence,
            )
        )
    return rows


def results_workbook(about: list[tuple], rows: Iterable[list]) -> Workbook:
    """An "About" sheet first (the disclaimer and where the rows come from), then the rows, every cell typed."""
    workbook = Workbook(write_only=True)
    about_sheet = workbook.create_sheet("About")
    for line in about:
        about_sheet.append([_cell(about_sheet, value) for value in line])
    sheet = workbook.create_sheet("Results")
    sheet.append([_text(sheet, column) for column in EXPORT_COLUMNS])
    for cells in rows:
        sheet.append([_cell(sheet, value) for value in cells])
    return workbook


def xlsx_download(workbook: Workbook, filename: str) -> FileResponse:
    """The workbook as a download, spooled to a temporary file (a write-only workbook is never all in memory)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _cell(sheet, value) -> WriteOnlyCell:
    if isinstance(value, str):
        return _text(sheet, value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def _text(sheet, value: str) -> WriteOnlyCell:
    """A text cell stays text: a value starting with '=' is not taken for a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.number_format = "@"
    return cell
