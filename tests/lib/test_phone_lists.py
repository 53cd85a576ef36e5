import io

import pytest
from openpyxl import Workbook

from lib import phone_lists
from lib.tabular import UnreadableFile


def rows_of(data: bytes, phone_column: str = "", label_column: str | None = None):
    chosen = phone_lists.Columns(phones=(phone_column,) if phone_column else (), label=label_column)
    inspection = phone_lists.inspect(data, "US", chosen)
    return inspection.layout, [
        (row, raw, label) for row, raw, label, *_ in phone_lists.list_rows(data, inspection.layout)
    ]


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("latin-1", b"")],
)
def test_encodings(encoding, prefix):
    text = "Employee,Téléphone\r\nÉmile,206-555-0100\r\n"
    layout, rows = rows_of(prefix + text.encode(encoding))
    assert rows == [(2, "206-555-0100", "Émile")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(delimiter):
    data = f"id{delimiter}mobile\nA1{delimiter}+1 206 555 0100\nA2{delimiter}(206) 555-0101\n".encode()
    _, rows = rows_of(data)
    assert rows == [(2, "+1 206 555 0100", "A1"), (3, "(206) 555-0101", "A2")]


def test_plain_text_one_number_a_line_without_header():
    layout, rows = rows_of(b"206-555-0100\n\n(206) 555-0101\n")
    assert not layout.has_header
    assert rows == [(1, "206-555-0100", ""), (3, "(206) 555-0101", "")]


@pytest.mark.parametrize("header", ["Phone", "Mobile Phone", "cell", "MSISDN", "Telephone", "Work Mobile", "number"])
def test_phone_column_found_from_the_header(header):
    layout, rows = rows_of(f"Employee,{header}\nE1,2065550100\n".encode())
    assert (layout.phones, layout.label) == ((1,), 0)


def test_columns_given_by_name_or_number():
    data = b"a,b,c\nx,2065550100,y\n"
    assert rows_of(data, phone_column="b", label_column="c")[1] == [(2, "2065550100", "y")]
    assert rows_of(data, phone_column="2")[1][0][1] == "2065550100"


def test_an_unknown_column_is_a_clear_error():
    with pytest.raises(UnreadableFile, match="no column 'fax'"):
        phone_lists.inspect(b"id,phone\n1,2065550100\n", "US", phone_lists.Columns(phones=("fax",)))


def test_without_a_header_the_column_of_numbers_is_chosen():
    layout, rows = rows_of(b"E1,2065550100\nE2,2065550101\n")
    assert not layout.has_header and layout.phones == (1,)


def test_window_columns_found():
    layout, _ = rows_of(b"device_id,msisdn,assigned_from,assigned_to\nD1,2065550100,2022-01-01,\n")
    assert (layout.assigned_from, layout.assigned_to) == (2, 3)


def test_xlsx_numeric_cells_are_digits():
    data = xlsx([["Employee", "Work Mobile"], ["E1", 2065550123], ["E2", 2065550124.0], ["E3", "(206) 555-0125"]])
    _, rows = rows_of(data)
    assert [raw for _, raw, _ in rows] == ["2065550123", "2065550124", "(206) 555-0125"]


def test_spreadsheet_damage_is_kept_as_text():
    _, rows = rows_of(b"phone\n2.06555E+09\n")
    assert rows == [(2, "2.06555E+09", "")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no rows"),
        (b"PK\x03\x04garbage", "damaged"),
        (b"\x00\x01\x02\x03" * 100, "NUL"),
    ],
)
def test_unreadable_files(data, message):
    with pytest.raises(UnreadableFile, match=message):
        phone_lists.inspect(data, "US")


def test_a_bad_first_number_is_a_row_not_a_header():
    layout, rows = rows_of(b"2.06555E+09\n2065550100\n")
    assert not layout.has_header
    assert [row for row, _, _ in rows] == [1, 2]


def test_every_phone_column_of_an_hr_export_is_read_and_empty_cells_are_no_numbers():
    data = b"Employee,Work phone,Mobile,Home phone\nE1,206-555-0100,206-555-0101,\nE2,,206-555-0102,206-555-0100\n"
    layout, _ = rows_of(data)
    assert (layout.phones, layout.label) == ((1, 2, 3), 0)
    rows = list(phone_lists.list_rows(data, layout))
    assert [(row, raw, label, column) for row, raw, label, _, _, column in rows] == [
        (2, "206-555-0100", "E1", 1),
        (2, "206-555-0101", "E1", 2),
        (3, "206-555-0102", "E2", 2),
        (3, "206-555-0100", "E2", 3),
    ]


def test_chosen_columns_win_and_an_empty_choice_means_none():
    data = b"id,mobile,work phone,start\nE1,2065550100,2065550101,2024-01-01\n"
    chosen = phone_lists.Columns(phones=("3", "mobile"), label="", assigned_from="")
    layout = phone_lists.inspect(data, "US", chosen).layout
    assert (layout.phones, layout.label, layout.assigned_from) == ((2, 1), None, None)


def test_the_estimate_counts_every_phone_column():
    data = b"id,work phone,mobile\n" + b"".join(b"E%d,2065550100,2065550101\n" % n for n in range(10))
    inspection = phone_lists.inspect(data, "US")
    assert (inspection.data_rows, inspection.estimated_numbers) == (10, 20)


@pytest.mark.parametrize(
    "text",
    ["2025-01-01", "2025-1-2", "20250101", "2025-02-30", "2025-01-01T00:00", "01/02/2025", "2025-13-01", "soon", " "],
)
def test_window_dates_are_read_exactly_as_the_api_reads_them(text):
    """The kernel needs no Django, yet must agree with DRF's DateField on every input."""
    from rest_framework import serializers

    try:
        expected = serializers.DateField().to_internal_value(text)
    except serializers.ValidationError:
        with pytest.raises(ValueError, match="is not a date"):
            phone_lists.parse_window(text, "assigned_from")
    else:
        assert phone_lists.parse_window(text, "assigned_from") == expected
