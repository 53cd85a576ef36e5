"""Reading company phone lists as HR systems export them: CSV in any common encoding
and delimiter, XLSX, or plain text with one number a line.

Rows are numbered as a spreadsheet shows them: with a header, the header is row 1.
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from directory.phone import normalize
from directory.tabular import UnreadableFile, csv_rows, decode

ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAX_UNPACKED_RATIO = 100
MAX_UNPACKED_BYTES = 1024**3
MAX_GUESSED_COLUMNS = 50
PREVIEW_ROWS = 5

PHONE_WORDS = ("phone", "mobile", "cell", "msisdn", "telephone", "tel", "handy", "gsm")
WEAK_PHONE_WORDS = ("number", "no", "num")
LABEL_WORDS = ("employee", "device", "label", "asset", "id", "staff", "badge", "imei", "line")
FROM_WORDS = ("from", "start", "since", "begin")
TO_WORDS = ("to", "until", "end", "through")


def words(header: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", header.lower()) if word]


@dataclass(frozen=True)
class Layout:
    """Where the columns are: indexes into each row, and whether row 1 is a header."""

    has_header: bool
    phone: int
    label: int | None = None
    assigned_from: int | None = None
    assigned_to: int | None = None
    headers: tuple[str, ...] = ()

    def column_name(self, index: int | None) -> str:
        if index is None:
            return ""
        return self.headers[index] if self.has_header and index < len(self.headers) else f"column {index + 1}"


@dataclass
class Inspection:
    layout: Layout
    preview: list[list[str]]
    estimated_rows: int


# One data row: (row number, phone, label, assigned from, assigned to). A plain tuple: a list has a million.
ListRow = tuple[int, str, str, str, str]


def is_xlsx(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def cell_text(value) -> str:
    """A spreadsheet cell as text: whole numbers as their digits, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_zip(data)
    try:
        # Formulas are read as their text, never run: a formula is no phone number and a label stays as typed.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in values]
        workbook.close()
    except UnreadableFile:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile(
            f"The spreadsheet cannot be read ({type(error).__name__}). Save it again as .xlsx."
        ) from None


def check_zip(data: bytes) -> None:
    """Refuse damaged archives and ones that unpack to far more than their size (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnreadableFile("The file looks like a spreadsheet but is damaged. Save it again as .xlsx.") from None
    if unpacked > min(max(len(data), 1) * MAX_UNPACKED_RATIO, MAX_UNPACKED_BYTES):
        raise UnreadableFile("The spreadsheet unpacks to far more data than a phone list holds; it was not opened.")


def text_rows(data: bytes) -> Iterator[list[str]]:
    if b"\x00" in data[:4096] and not data.startswith(UTF16_BOMS):
        raise UnreadableFile("The file is not text (it holds NUL bytes). Upload CSV, XLSX or plain text.")
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFile("The file holds NUL characters. Save it again as CSV or plain text.")
    reader = csv_rows(data, encoding, text)
    del text  # the rows are decoded as they are read
    try:
        yield from reader
    except csv.Error as error:
        raise UnreadableFile(f"The file is not readable as CSV ({error}).") from None


def all_rows(data: bytes) -> Iterator[list[str]]:
    return xlsx_rows(data) if is_xlsx(data) else text_rows(data)


def estimate_rows(data: bytes) -> int:
    """An upper bound of the rows in a file, cheap enough to check while the upload is in the request."""
    if is_xlsx(data):
        from openpyxl import load_workbook

        check_zip(data)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True)
            count = workbook.worksheets[0].max_row or 0
            workbook.close()
            return count
        except Exception:  # damaged workbooks are reported when the job reads them
            return 0
    return line_count(data.decode("utf-16", errors="replace") if data.startswith(UTF16_BOMS) else data)


def line_count(text: str | bytes) -> int:
    """Lines as csv reads them (ending in LF, CR or CRLF; the last may have no ending).

    UTF-16 is counted as text: its bytes hold 0x0A and 0x0D inside other characters. In UTF-8 and
    Latin-1 they are only ever line ends, so bytes are counted as they are.
    """
    lf, cr, crlf = ("\n", "\r", "\r\n") if isinstance(text, str) else (b"\n", b"\r", b"\r\n")
    breaks = text.count(lf) + text.count(cr) - text.count(crlf)
    return breaks + (0 if not text or text.endswith((lf, cr)) else 1)


def find_column(headers: list[str], wanted: str) -> int:
    """A column the user named: by header text (any case) or by number, counting from 1."""
    wanted = wanted.strip()
    for index, header in enumerate(headers):
        if header.strip().lower() == wanted.lower():
            return index
    if wanted.isdigit() and 1 <= int(wanted) <= max(len(headers), 1):
        return int(wanted) - 1
    raise UnreadableFile(f"There is no column {wanted!r}. The columns are: {', '.join(headers) or 'none'}.")


def column_with(headers: list[str], vocabulary: tuple[str, ...], skip: set[int]) -> int | None:
    for index, header in enumerate(headers):
        if index not in skip and any(word in vocabulary for word in words(header)):
            return index
    return None


def looks_like_header(first: list[str]) -> bool:
    return column_with(first, PHONE_WORDS + WEAK_PHONE_WORDS, set()) is not None and not any(
        normalize(cell).is_valid for cell in first[:MAX_GUESSED_COLUMNS]
    )


def number_column(rows: list[list[str]]) -> int:
    """Without a header: the column where most of the first rows are phone numbers (among the first 50)."""
    width = min(max((len(row) for row in rows), default=1), MAX_GUESSED_COLUMNS)
    scores = [sum(1 for row in rows if i < len(row) and normalize(row[i]).is_valid) for i in range(width)]
    best = max(range(width), key=lambda i: scores[i])
    if not scores[best]:
        raise UnreadableFile("No column of phone numbers was found. Say which column holds them.")
    return best


def detect_layout(first_rows: list[list[str]], phone_column: str = "", label_column: str = "") -> Layout:
    if not first_rows:
        raise UnreadableFile("The file has no rows.")
    first = [cell.strip() for cell in first_rows[0]]
    named = bool(phone_column and not phone_column.strip().isdigit())
    has_header = looks_like_header(first) or named
    if has_header:
        phone = find_column(first, phone_column) if phone_column else strongest_phone_column(first)
    else:
        numbered = [f"column {i + 1}" for i in range(len(first))]
        phone = find_column(numbered, phone_column) if phone_column else number_column(first_rows)
        has_header = first_row_is_a_title(first_rows, phone)
    headers = first if has_header else [f"column {i + 1}" for i in range(len(first))]
    taken = {phone}
    label = find_column(headers, label_column) if label_column else None
    if label is None and has_header:
        label = column_with(headers, LABEL_WORDS, taken)
    taken.add(label)
    start = column_with(headers, FROM_WORDS, taken) if has_header else None
    end = column_with(headers, TO_WORDS, taken | {start}) if has_header else None
    return Layout(has_header, phone, label, start, end, tuple(headers))


def strongest_phone_column(headers: list[str]) -> int:
    phone = column_with(headers, PHONE_WORDS, set())
    return phone if phone is not None else column_with(headers, WEAK_PHONE_WORDS, set())


def first_row_is_a_title(rows: list[list[str]], phone: int) -> bool:
    """Row 1 names the columns when its cell holds no digit at all and the cells below it are numbers.

    A first row with digits is data, even when it is not a valid number: it gets a row of its own.
    """

    def valid(row: list[str]) -> bool:
        return phone < len(row) and normalize(row[phone]).is_valid

    title = rows[0][phone] if phone < len(rows[0]) else ""
    return len(rows) > 1 and not any(ch.isdigit() for ch in title) and any(valid(row) for row in rows[1:])


def inspect(data: bytes, phone_column: str = "", label_column: str = "") -> Inspection:
    """Read the first rows to find the columns; reads no more of the file than that."""
    rows = all_rows(data)
    first_rows = []
    for cells in rows:
        if any(cell.strip() for cell in cells):
            first_rows.append(cells)
        if len(first_rows) > 20:
            break
    layout = detect_layout(first_rows, phone_column, label_column)
    preview = first_rows[: PREVIEW_ROWS + (1 if layout.has_header else 0)]
    return Inspection(layout, preview, estimate_rows(data))


def list_rows(data: bytes, layout: Layout) -> Iterator[ListRow]:
    """Every data row with its spreadsheet row number; blank rows are skipped, not renumbered."""
    phone, label, held_from, held_to = layout.phone, layout.label, layout.assigned_from, layout.assigned_to
    width = 1 + max(index for index in (phone, label, held_from, held_to) if index is not None)
    padding = [""] * width
    for number, cells in enumerate(all_rows(data), start=1):
        if (number == 1 and layout.has_header) or not "".join(cells).strip():
            continue
        if len(cells) < width:
            cells = cells + padding[len(cells) :]
        yield (
            number,
            cells[phone],
            "" if label is None else cells[label],
            "" if held_from is None else cells[held_from].strip(),
            "" if held_to is None else cells[held_to].strip(),
        )
