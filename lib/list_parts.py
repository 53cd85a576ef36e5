"""A company phone list cut into parts of whole rows, each screened on its own and read back alone.

A text file with no quote character anywhere, as most exports are, is cut as it is: its rows are its
lines, and a part is a run of them, found without reading them as CSV. Any other file (quoted cells,
UTF-16, a spreadsheet) is read as rows, and each part's rows are written out one a line as JSON
arrays, which hold any cell of any length. Either way `part_rows` gives a part's numbers exactly as
`phone_lists.list_rows` gives them for the whole file.
"""

import io
import json
from collections.abc import Iterable, Iterator
from itertools import chain, islice, repeat
from typing import NamedTuple

from lib.phone_lists import Layout, ListRow, rows_of
from lib.tabular import all_rows, csv_records, delimited, is_xlsx, text_format, text_lines


class ListPart(NamedTuple):
    """Rows of a list as text, the spreadsheet row its first line is, and how many numbers it holds.

    The text is CSV lines split on `delimiter`, or, with no delimiter, JSON arrays, one a line.
    """

    text: str
    first_row: int
    delimiter: str
    numbers: int


WRITTEN = ""  # the delimiter of a part whose rows were written out as JSON


def list_parts(data: bytes, layout: Layout, rows: int) -> Iterator[ListPart]:
    """The list in parts of `rows` rows (the last maybe fewer, the first also holds the header);
    parts with no number are left out."""
    first_row = 1
    for run in _runs(data, chain([rows + layout.has_header], repeat(rows))):
        numbers = sum(1 for _ in rows_of(run.records, layout, first_row))
        if not run.lines:
            return
        if numbers:
            yield ListPart("".join(run.lines), first_row, run.delimiter, numbers)
        first_row += len(run.lines)


def part_rows(text: str, first_row: int, delimiter: str, layout: Layout) -> Iterator[ListRow]:
    """A part's numbers, numbered by their rows in the whole file."""
    if delimiter == WRITTEN:
        records = map(json.loads, text.splitlines())  # JSON escapes every character splitlines splits on
    else:
        records = csv_records(io.StringIO(text, newline=""), delimited(delimiter))
    return rows_of(records, layout, first_row)


class _Run(NamedTuple):
    """A run of rows: its lines of text, one a row, complete once its rows of cells have been read.

    The cells are made one row at a time: a wide file's cells take many times the file's size.
    """

    lines: list[str]
    records: Iterator[list[str]]
    delimiter: str


def _runs(data: bytes, sizes: Iterator[int]) -> Iterator[_Run]:
    """Runs of rows, as many in each as `sizes` says, without end: after the last row they are empty."""
    if is_xlsx(data) or b'"' in data or b"\x00" in data:  # UTF-16 holds NUL bytes
        yield from _written_runs(all_rows(data), sizes)
        return
    encoding, dialect = text_format(data)
    lines, delimiter = text_lines(data, encoding), dialect.delimiter
    for size in sizes:
        run = list(islice(lines, size))
        # Nothing is quoted: a line's cells are its text between delimiters, as csv reads them.
        yield _Run(run, (line.rstrip("\r\n").split(delimiter) for line in run), delimiter)


def _written_runs(records: Iterable[list[str]], sizes: Iterator[int]) -> Iterator[_Run]:
    records = iter(records)
    for size in sizes:
        lines: list[str] = []
        yield _Run(lines, _written(islice(records, size), lines), WRITTEN)


def _written(records: Iterator[list[str]], lines: list[str]) -> Iterator[list[str]]:
    """The rows, each also written out as a line of `lines`."""
    for record in records:
        lines.append(json.dumps(record) + "\n")
        yield record
