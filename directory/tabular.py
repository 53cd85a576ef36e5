"""Reading uploaded text files: encodings and CSV dialects as real exports have them."""

import codecs
import csv
import io

SNIFF_DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
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
    return type("SniffedDialect", (csv.excel,), {"delimiter": best})


def csv_rows(data: bytes, encoding: str, text: str) -> "csv._reader":
    """The file's CSV rows, decoded as they are read, in the dialect sniffed from the start of its `text`.

    Holding the whole file as text instead would take up to 4 bytes a character.
    """
    return csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), sniff_dialect(text))
