"""Reading an import's per-row report: a page at a time, or whole as CSV safe to open in a spreadsheet."""

import csv
from collections import Counter
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from audit.services import record_event
from directory.importing import IMPORT_OUTCOMES, ImportedRow, report_rows
from directory.models import ContactImport
from lib.result_files import escape_formula

CSV_COLUMNS = ["row", "outcome", "number", "message"]


class ReportRows:
    """An import's report rows (of one outcome, if given) as a sequence a paginator can count and slice.

    A batch's rows (those of every part) are stored together; a page reads only the batches it falls in.
    While the import runs, only its first batches that every part has written count: its parts go at
    their own pace, and a batch one part has not written yet would gain rows between two pages.
    """

    def __init__(self, contact_import: ContactImport, outcome: str = ""):
        self.contact_import = contact_import
        self.outcome = outcome if outcome in IMPORT_OUTCOMES else ""
        sizes, parts = Counter(), Counter()
        for index, counts in contact_import.batches.values_list("index", "counts"):
            sizes[index] += counts.get(self.outcome, 0) if self.outcome else sum(counts.values())
            parts[index] += 1
        if not contact_import.is_finished:
            written = 0
            while parts[written] == contact_import.part_count:
                written += 1
            sizes = {index: size for index, size in sizes.items() if index < written}
        self.sizes = sorted(sizes.items())

    def __len__(self) -> int:
        return sum(size for _, size in self.sizes)

    def __getitem__(self, part: slice) -> list[ImportedRow]:
        start, stop = part.start or 0, part.stop if part.stop is not None else len(self)
        wanted, offset = [], 0
        for index, size in self.sizes:
            if offset + size > start and offset < stop:
                wanted.append(index)
            offset += size
        if not wanted:
            return []
        first = sum(size for index, size in self.sizes if index < wanted[0])
        return list(report_rows(self.contact_import, self.outcome, wanted))[start - first : stop - first]


class Echo:
    def write(self, value):
        return value


def csv_lines(contact_import: ContactImport) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in report_rows(contact_import):
        yield writer.writerow([row.row, row.outcome, escape_formula(row.number), escape_formula(row.message)])


def report_csv_response(contact_import: ContactImport, request) -> StreamingHttpResponse:
    """The whole per-row report as a CSV download; it names numbers, so each download is audited."""
    record_event(action="directory.import_report_exported", request=request, detail={"import": str(contact_import.pk)})
    response = StreamingHttpResponse(csv_lines(contact_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}.csv"'
    return response
