"""Exports of a screening's stored rows, CSV or XLSX, in the columns every export of results has.

The CSV is streamed, its text escaped against formula injection (the validated E.164 column is
not: it cannot be a formula). The XLSX is written by a write-only workbook with every cell typed,
the disclaimer on its first sheet. Every download is an audited export.
"""

from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from audit.services import record_event
from directory.exports import results_workbook, xlsx_download
from directory.matching import DISCLAIMER
from lib.phone_lists import Layout
from lib.result_files import EXPORT_COLUMNS, csv_lines, result_cells
from screenings import selectors
from screenings.models import Screening, ScreeningResult

COLUMNS = EXPORT_COLUMNS
EXPORT_CHUNK = 2000


def result_lines(results: Iterable[ScreeningResult], layout: Layout) -> Iterator[str]:
    """The screening's stored rows as CSV lines, as every result file has them."""
    return csv_lines(result_cells(result, layout.column_name(result.column)) for result in results)


def _exported(request, screening: Screening, file_format: str, outcome: str) -> Iterator[ScreeningResult]:
    record_event(
        action="screening.exported",
        request=request,
        detail={**screening.audit_detail, "format": file_format, "outcome": outcome or "all"},
    )
    return selectors.screening_results(screening, outcome).iterator(chunk_size=EXPORT_CHUNK)


def csv_response(request, screening: Screening, outcome: str = "") -> StreamingHttpResponse:
    """The screening's stored rows as a CSV download."""
    results = _exported(request, screening, "csv", outcome)
    response = StreamingHttpResponse(
        result_lines(results, screening.column_layout), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{export_name(screening)}.csv")
    return response


def xlsx_response(request, screening: Screening, outcome: str = "") -> FileResponse:
    """The screening's stored rows as an XLSX download."""
    results = _exported(request, screening, "xlsx", outcome)
    about = [
        ("Screening results from the Accountability Directory",),
        (DISCLAIMER,),
        ("List", screening.filename),
        ("Uploaded", timezone.localtime(screening.created_at).date()),
        ("Exported", timezone.localdate()),
        ("Rows with no match are not kept, so they are not listed.",),
    ]
    layout = screening.column_layout
    rows = (result_cells(result, layout.column_name(result.column)) for result in results)
    return xlsx_download(results_workbook(about, rows), f"{export_name(screening)}.xlsx")


def export_name(screening: Screening) -> str:
    stem = screening.filename.rsplit(".", 1)[0] or "screening"
    return f"{stem}-results-{timezone.localtime(screening.created_at):%Y-%m-%d}"
