"""Exports of results on the server: a lookup's rows as export cells, and XLSX downloads (the columns and
the CSV are lib.result_files', shared with the private-screening client)."""

import tempfile
from collections.abc import Iterable
from datetime import date

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from directory.matching import MatchResult, Outcome
from lib.result_files import EXPORT_COLUMNS, export_cells

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
