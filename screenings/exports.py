"""Exports of screening results: CSV safe to open in a spreadsheet, streamed and audited."""

from django.http import StreamingHttpResponse

from audit.services import record_event
from lib.result_files import csv_lines
from screenings import selectors


def csv_response(request, screening, outcome: str = "") -> StreamingHttpResponse:
    """The screening's stored rows as a CSV download; every download is an audited export."""
    record_event(action="screening.exported", request=request, detail={"screening": str(screening.pk)})
    results = selectors.screening_results(screening, outcome).iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_lines(results), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}.csv"'
    return response
