"""Reading uploaded files into rows of text: CSV in any common encoding and delimiter, XLSX,
or plain text with one value a line, as real exports have them. No Django: the private-screening
client reads files with this same code."""

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator

from lib.errors import DomainError

SNIFF_DELIMITERS = ",;\t|"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAX_UNPACKED_RATIO = 100
MAX_UNPACKED_BYTES = 1024**3


class UnreadableFile(DomainError):
    """The file as a whole cannot be read; the message says why, plainly."""


def decode(data: bytes, *, allow_latin1: bool = True) -> tuple[str, str]:
    """The text and its codec: UTF-16 (with BOM), UTF-8 (with or without BOM), else Latin-1 when allowed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 but is not valid UTF-16 text.") from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        if allow_latin1:
            return data.decode("latin-1"), "latin-1"
        raise UnreadableFile("The file is not UTF-8 text. Save it as CSV UTF-8 and upload it again.") from None


def sniff_dialect(text: str) -> type[csv.Dialect]:
    """The delimiter that splits the first lines into the same number of fields most often.

    Phone numbers are full of spaces, dots and dashes, which confuse csv.Sniffer;
    counting fields per candidate delimiter is steadier. No delimiter: one column.
    """
    lines = [line for line in text[: 64 * 1024].splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for delimiter in SNIFF_DELIMITERS:
        widths = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        common = max(set(widths), key=widths.count) if widths else 1
        score = widths.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return delimited(best)


def delimited(delimiter: str) -> type[csv.Dialect]:
    """Excel's CSV dialect (cells quoted with ", doubled inside) with this delimiter."""
    return type("Delimited", (csv.excel,), {"delimiter": delimiter})


def text_lines(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The file's lines, decoded as they are read, their line ends kept as the csv module wants them."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


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
        sheet.reset_dimensions()  # every row is read, whatever the sheet's <dimension> claims
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


def text_format(data: bytes) -> tuple[str, type[csv.Dialect]]:
    """The encoding and CSV dialect of a text file; UnreadableFile when it is not text.

    The text is decoded whole once, to check it; rows are decoded again as they are read
    (`text_lines`): holding the whole file as text would take up to 4 bytes a character.
    """
    if b"\x00" in data[:4096] and not data.startswith(UTF16_BOMS):
        raise UnreadableFile("The file is not text (it holds NUL bytes). Upload CSV, XLSX or plain text.")
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFile("The file holds NUL characters. Save it again as CSV or plain text.")
    return encoding, sniff_dialect(text)


def csv_records(lines: Iterable[str], dialect: type[csv.Dialect] | str = "excel") -> Iterator[list[str]]:
    """Lines read as CSV rows; a file csv cannot read is an UnreadableFile saying why."""
    try:
        yield from csv.reader(lines, dialect)
    except csv.Error as error:
        raise UnreadableFile(f"The file is not readable as CSV ({error}).") from None


def text_rows(data: bytes) -> Iterator[list[str]]:
    encoding, dialect = text_format(data)
    yield from csv_records(text_lines(data, encoding), dialect)


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
