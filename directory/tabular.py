"""Reading uploaded text files: encodings and CSV dialects as real exports have them."""

import codecs
import csv
import io

SNIFF_DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; the message says why, plainly."""


def decode_text(data: bytes, *, allow_latin1: bool = True) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 (with BOM); else Latin-1 when allowed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 but is not valid UTF-16 text.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if allow_latin1:
            return data.decode("latin-1")
        raise UnreadableFile("The file is not UTF-8 text. Save it as CSV UTF-8 and upload it again.") from None


def sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFF_DELIMITERS)
    except csv.Error:
        return csv.excel


def csv_rows(text: str) -> "csv._reader":
    return csv.reader(io.StringIO(text, newline=""), sniff_dialect(text))
