"""A company phone list cut into parts of whole rows, each screened on its own and read back alone.

A text file with no quote character anywhere, as most exports are, is cut as it is: its rows are its
lines, and a part is a run of them, found without reading them as CSV. Any other file (quoted cells,
UTF-16, a spreadsheet) is read as rows and each part's rows are written out as CSV. Either way
`part_rows` gives a part's numbers exactly as `phone_lists.list_rows` gives them for the whole file.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain, islice, repeat
from typing import NamedTuple

from lib.phone_lists import Layout, ListRow, rows_of
from lib.tabular import all_rows, csv_records, is_xlsx, text_format, text_lines

WRITTEN_DELIMITER = ","


class ListPart(NamedTuple):
    """Rows of a list as CSV text, the spreadsheet row its first line is, and how many numbers it holds."""

    text: str
    first_row: int
    delimiter: str
    numbers: int


def list_parts(data: bytes, layout: Layout, rows: int) -> Iterator[ListPart]:
    """The list in parts of `rows` rows (the last maybe fewer, the first also holds the header);
    parts with no number are left out."""
    first_row = 1
    sizes = chain([rows + layout.has_header], repeat(rows))
    for text, records, delimiter in _runs(data, sizes):
        numbers = sum(1 for _ in rows_of(records, layout, first_row))
        if numbers:
            yield ListPart(text, first_row, delimiter, numbers)
        first_row += len(records)


def part_rows(text: str, first_row: int, delimiter: str, layout: Layout) -> Iterator[ListRow]:
    """A part's numbers, numbered by their rows in the whole file."""
    return rows_of(csv_records(io.StringIO(text, newline=""), _dialect(delimiter)), layout, first_row)


def _runs(data: bytes, sizes: Iterator[int]) -> Iterator[tuple[str, list[list[str]], str]]:
    """Runs of rows, as many in each as `sizes` says: each as CSV text, as rows of cells, and the
    delimiter of its text."""
    if is_xlsx(data) or b'"' in data or b"\x00" in data:  # UTF-16 holds NUL bytes
        yield from _written_runs(all_rows(data), sizes)
        return
    encoding, dialect = text_format(data)
    lines = text_lines(data, encoding)
    delimiter = dialect.delimiter
    while run := list(islice(lines, next(sizes))):
        # Nothing is quoted: a line's cells are its text between delimiters, as csv reads them.
        yield "".join(run), [line.rstrip("\r\n").split(delimiter) for line in run], delimiter


def _written_runs(records: Iterable[list[str]], sizes: Iterator[int]) -> Iterator[tuple[str, list[list[str]], str]]:
    records = iter(records)
    while run := list(islice(records, next(sizes))):
        text = io.StringIO()
        csv.writer(text, _dialect(WRITTEN_DELIMITER)).writerows(run)
        yield text.getvalue(), run, WRITTEN_DELIMITER


def _dialect(delimiter: str) -> type[csv.Dialect]:
    return type("ListDialect", (csv.excel,), {"delimiter": delimiter})
