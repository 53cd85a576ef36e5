"""Finding the columns of a company phone list (header, phone, label, window) and reading
its data rows. No Django: the private-screening client uses it as the server does.

Rows are numbered as a spreadsheet shows them: with a header, the header is row 1.
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from lib.phone import normalize
from lib.tabular import UnreadableFile, all_rows, estimate_rows

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

    def as_dict(self) -> dict:
        """The layout as stored with a screening, so the worker reads the file as the upload saw it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Layout":
        return cls(**{**data, "headers": tuple(data.get("headers", ()))})


@dataclass
class Inspection:
    layout: Layout
    preview: list[list[str]]
    estimated_rows: int


WINDOW_REVERSED = "assignment window ends before it starts"


def parse_window(text: str, name: str) -> dt.date | None:
    """One end of a row's assignment window: an ISO date (a time after it is ignored), or None when blank."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date (use YYYY-MM-DD)") from None


# One data row: (row number, phone, label, assigned from, assigned to). A plain tuple: a list has a million.
ListRow = tuple[int, str, str, str, str]


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


def looks_like_header(first: list[str], region: str) -> bool:
    return column_with(first, PHONE_WORDS + WEAK_PHONE_WORDS, set()) is not None and not any(
        normalize(cell, region).is_valid for cell in first[:MAX_GUESSED_COLUMNS]
    )


def number_column(rows: list[list[str]], region: str) -> int:
    """Without a header: the column where most of the first rows are phone numbers (among the first 50)."""
    width = min(max((len(row) for row in rows), default=1), MAX_GUESSED_COLUMNS)
    scores = [sum(1 for row in rows if i < len(row) and normalize(row[i], region).is_valid) for i in range(width)]
    best = max(range(width), key=lambda i: scores[i])
    if not scores[best]:
        raise UnreadableFile("No column of phone numbers was found. Say which column holds them.")
    return best


def detect_layout(rows: list[list[str]], region: str, phone_column: str = "", label_column: str = "") -> Layout:
    """Find the columns from the first rows; numbers are read in `region`, as the rows will be matched."""
    if not rows:
        raise UnreadableFile("The file has no rows.")
    first = [cell.strip() for cell in rows[0]]
    named = bool(phone_column and not phone_column.strip().isdigit())
    has_header = looks_like_header(first, region) or named
    if has_header:
        phone = find_column(first, phone_column) if phone_column else strongest_phone_column(first)
    else:
        numbered = [f"column {i + 1}" for i in range(len(first))]
        phone = find_column(numbered, phone_column) if phone_column else number_column(rows, region)
        has_header = first_row_is_a_title(rows, phone, region)
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


def first_row_is_a_title(rows: list[list[str]], phone: int, region: str) -> bool:
    """Row 1 names the columns when its cell holds no digit at all and the cells below it are numbers.

    A first row with digits is data, even when it is not a valid number: it gets a row of its own.
    """

    def valid(row: list[str]) -> bool:
        return phone < len(row) and normalize(row[phone], region).is_valid

    title = rows[0][phone] if phone < len(rows[0]) else ""
    return len(rows) > 1 and not any(ch.isdigit() for ch in title) and any(valid(row) for row in rows[1:])


def first_rows(data: bytes, count: int = 21) -> list[list[str]]:
    """The first non-blank rows of a file; reads no more of it than that."""
    rows = []
    for cells in all_rows(data):
        if any(cell.strip() for cell in cells):
            rows.append(cells)
        if len(rows) == count:
            break
    return rows


def inspect(data: bytes, region: str, phone_column: str = "", label_column: str = "") -> Inspection:
    """Read the first rows to find the columns, and estimate the rows of the whole file."""
    rows = first_rows(data)
    layout = detect_layout(rows, region, phone_column, label_column)
    preview = rows[: PREVIEW_ROWS + (1 if layout.has_header else 0)]
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
