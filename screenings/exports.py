"""Exports of a screening's stored rows, CSV or XLSX, in the columns every export of results has.

The CSV is streamed, its text escaped against formula injection (the validated E.164 column is
not: it cannot be a formula). The XLSX is written by a write-only workbook with every cell typed,
the disclaimer on its first sheet. Every download is an audited export.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from audit.services import record_event
from directory.exports import EXPORT_COLUMNS, csv_cells, export_cells
from directory.matching import DISCLAIMER
from screenings import selectors
from screenings.models import Screening, ScreeningResult

COLUMNS = EXPORT_COLUMNS
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_CHUNK = 2000


class Echo:
    def write(self, value):
        return value


def result_cells(result: ScreeningResult) -> list:
    return export_cells(
        row=result.row,
        input=result.input,
        label=result.label,
        e164=result.e164,
        outcome=result.outcome,
        reason=result.reason,
        first_row=result.first_row,
        evidence=result.evidence,
    )


def csv_lines(results: Iterable[ScreeningResult]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for result in results:
        yield writer.writerow(csv_cells(result_cells(result)))


def _exported(request, screening: Screening, file_format: str, outcome: str) -> Iterator[ScreeningResult]:
    record_event(
        action="screening.exported",
        request=request,
        detail={"screening": str(screening.pk), "format": file_format, "outcome": outcome or "all"},
    )
    return selectors.screening_results(screening, outcome).iterator(chunk_size=EXPORT_CHUNK)


def csv_response(request, screening: Screening, outcome: str = "") -> StreamingHttpResponse:
    """The screening's stored rows as a CSV download."""
    results = _exported(request, screening, "csv", outcome)
    response = StreamingHttpResponse(csv_lines(results), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{export_name(screening)}.csv")
    return response


def xlsx_response(request, screening: Screening, outcome: str = "") -> FileResponse:
    """The screening's stored rows as an XLSX download, spooled to a temporary file (never all in memory)."""
    results = _exported(request, screening, "xlsx", outcome)
    workbook = results_workbook(screening, results)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{export_name(screening)}.xlsx", content_type=XLSX_TYPE)


def export_name(screening: Screening) -> str:
    stem = screening.filename.rsplit(".", 1)[0] or "screening"
    return f"{stem}-results-{timezone.localtime(screening.created_at):%Y-%m-%d}"


def results_workbook(screening: Screening, results: Iterable[ScreeningResult]) -> Workbook:
    """An "About" sheet first (the disclaimer, the list and the time of export), then the rows."""
    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("About")
    about.append([_text(about, "Screening results from the Accountability Directory")])
    about.append([_text(about, DISCLAIMER)])
    about.append([_text(about, "List"), _text(about, screening.filename)])
    about.append([_text(about, "Uploaded"), _cell(about, timezone.localtime(screening.created_at).date())])
    about.append([_text(about, "Exported"), _cell(about, timezone.localdate())])
    about.append([_text(about, "Rows with no match are not kept, so they are not listed.")])
    sheet = workbook.create_sheet("Results")
    sheet.append([_text(sheet, column) for column in COLUMNS])
    for result in results:
        sheet.append([_cell(sheet, value) for value in result_cells(result)])
    return workbook


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
