"""A list cut into parts gives, part by part, exactly the numbers the whole list gives."""

import csv
import io
import random
import string
import tracemalloc
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lib import list_parts
from lib.phone_lists import Layout, list_rows
from lib.tabular import UnreadableFile

# Cells are made of what real lists hold, and of what trips up a reader: delimiters of every kind,
# spaces csv keeps, characters str.splitlines (but not csv) takes for line ends, and quotes.
CELL_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789+-() .xA,;\t|é") + ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\xa0"]),
    max_size=12,
)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
LAYOUTS = st.builds(
    Layout,
    has_header=st.booleans(),
    phones=st.sampled_from([(0,), (1,), (0, 2)]),
    label=st.sampled_from([None, 1, 3]),
    assigned_from=st.sampled_from([None, 4]),
)


def read_in_parts(data: bytes, layout: Layout, rows: int) -> list[tuple]:
    found = []
    for part in list_parts.list_parts(data, layout, rows):
        numbers = list(list_parts.part_rows(part.text, part.first_row, part.delimiter, layout))
        assert len(numbers) == part.numbers
        found += numbers
    return found


def outcome(read, *arguments):
    """What reading gives: its numbers, or the message of the file that cannot be read."""
    try:
        return read(*arguments)
    except UnreadableFile as error:
        return str(error)


def same_in_parts(data: bytes, layout: Layout, rows: int) -> None:
    whole = outcome(lambda: list(list_rows(data, layout)))
    assert outcome(read_in_parts, data, layout, rows) == whole


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.lists(CELL_TEXT, max_size=5), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    line_end=LINE_ENDS,
    last_line_ended=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
    layout=LAYOUTS,
    rows=st.integers(1, 5),
)
def test_an_unquoted_text_file(lines, delimiter, line_end, last_line_ended, encoding, layout, rows):
    text = line_end.join(delimiter.join(cells) for cells in lines) + (line_end if last_line_ended and lines else "")
    data = text.encode(encoding, errors="replace")  # Latin-1 has no \u2028
    same_in_parts(data, layout, rows)


@settings(max_examples=200, deadline=None)
@given(
    rows_of_cells=st.lists(st.lists(st.text(max_size=8), max_size=4), max_size=10),
    layout=LAYOUTS,
    rows=st.integers(1, 4),
)
def test_a_file_with_quoted_cells(rows_of_cells, layout, rows):
    """Cells holding delimiters, quotes and line breaks are quoted: the file is read as CSV and written out again."""
    text = io.StringIO()
    csv.writer(text).writerows([*rows_of_cells, ['"quoted"', "a,b", "two\nlines"]])
    same_in_parts(text.getvalue().encode(), layout, rows)


def test_utf16_and_spreadsheets_are_read_as_rows():
    layout = Layout(has_header=True, phones=(1,), label=0)
    text = "Employee,Téléphone\r\nÉmile,206-555-0100\r\n\r\nZoé,206-555-0101\r\n"
    same_in_parts(text.encode("utf-16"), layout, 1)

    book = Workbook()
    for row in [["Employee", "Phone"], ["Émile", 2065550100], [None, None], ["Zoé", "206-555-0101"]]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    same_in_parts(buffer.getvalue(), layout, 1)


def test_parts_are_cut_at_the_size_asked_the_header_aside():
    data = b"phone\n" + b"".join(f"206-555-01{n:02d}\n".encode() for n in range(5)) + b"\n\n"
    parts = list(list_parts.list_parts(data, Layout(has_header=True, phones=(0,)), 2))
    assert [(part.first_row, part.numbers) for part in parts] == [(1, 2), (4, 2), (6, 1)]  # the blank rows: no part


def test_a_spreadsheet_cell_longer_than_csv_reads_is_read_in_parts_as_in_the_whole_file():
    """Spreadsheet programs stop at 32,767 characters a cell; a generated file need not."""
    book = Workbook()
    for row in [["phone", "note"], ["206-555-0100", "PLACEHOLDER"], ["206-555-0101", "ok"]]:
        book.active.append(row)
    made, long_cell = io.BytesIO(), "".join(random.Random(1).choices(string.ascii_letters, k=200_000))
    book.save(made)
    data = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            copy.writestr(item, source.read(item.filename).replace(b"PLACEHOLDER", long_cell.encode()))
    layout = Layout(has_header=True, phones=(0,), label=1)
    same_in_parts(data.getvalue(), layout, 1)
    assert read_in_parts(data.getvalue(), layout, 1)[0][2] == long_cell


@pytest.mark.parametrize("quote", ["", '"'])
def test_a_wide_file_is_cut_without_holding_a_parts_cells(quote):
    """A row of many short cells takes far more memory as cells than as text: one row's cells at a time."""
    line = ",".join([f"{quote}206-555-0100{quote}", *["x"] * 600]) + "\n"
    data = ("phone" + ",h" * 600 + "\n" + line * 2_000).encode()
    tracemalloc.start()
    parts = list(list_parts.list_parts(data, Layout(has_header=True, phones=(0,)), 2_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [part.numbers for part in parts] == [2_000]
    assert peak < 6 * len(data)  # the run's lines and its text; its 1.2 million cells would be 20 times more


def test_a_cell_too_long_for_csv_stops_the_part_that_holds_it_as_the_whole_file_would():
    data = b"phone,note\n206-555-0100,ok\n206-555-0101," + b"n" * 200_000 + b"\n"
    layout = Layout(has_header=True, phones=(0,), label=1)
    with pytest.raises(UnreadableFile, match="field larger than field limit") as whole:
        list(list_rows(data, layout))
    with pytest.raises(UnreadableFile) as in_parts:
        read_in_parts(data, layout, 1)
    assert str(in_parts.value) == str(whole.value)


@pytest.mark.parametrize("data", [b"phone\n206-555-0100\x00\n", b"\xff\xfe\x00\xd8"])
def test_a_file_that_is_not_text_is_refused_as_the_whole_file_is(data):
    layout = Layout(has_header=True, phones=(0,))
    same_in_parts(data, layout, 1)
    assert isinstance(outcome(read_in_parts, data, layout, 1), str)
