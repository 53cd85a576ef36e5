"""Exports of screening results: CSV safe to open in a spreadsheet, streamed and audited."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from audit.services import record_event
from screenings import selectors

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    "row",
    "input",
    "label",
    "e164",
    "outcome",
    "reason",
    "first_contact",
    "last_contact",
    "contact_count",
    "channels",
    "jurisdictions",
]


def escape_formula(value) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    def write(self, value):
        return value


def result_cells(result) -> list:
    evidence = result.evidence or {}
    # Results stored before evidence left out empty jurisdictions may still hold some.
    jurisdictions = "; ".join(op["jurisdiction"] for op in evidence.get("operations", []) if op["jurisdiction"])
    return [
        result.row,
        result.input,
        result.label,
        result.e164,
        result.outcome,
        result.reason,
        evidence.get("first_contact", ""),
        evidence.get("last_contact", ""),
        evidence.get("contact_count", ""),
        " ".join(evidence.get("channels", [])),
        jurisdictions,
    ]


def csv_lines(results: Iterable) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for result in results:
        yield writer.writerow([escape_formula(cell) for cell in result_cells(result)])


def csv_response(request, screening, outcome: str = "") -> StreamingHttpResponse:
    """The screening's stored rows as a CSV download; every download is an audited export."""
    record_event(action="screening.exported", request=request, detail={"screening": str(screening.pk)})
    results = selectors.screening_results(screening, outcome).iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_lines(results), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}.csv"'
    return response
