"""Finding the columns of a company phone list (header, phone, label, window) and reading
its data rows. No Django: the private-screening client uses it as the server does.

Rows are numbered as a spreadsheet shows them: with a header, the header is row 1.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
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
class Columns:
    """The columns a person chose, by header name or number (from 1). No phone column, or None
    for the others, means: find it from the header; "" means: the file has no such column."""

    phones: tuple[str, ...] = ()
    label: str | None = None
    assigned_from: str | None = None
    assigned_to: str | None = None


@dataclass(frozen=True)
class Layout:
    """Where the columns are: indexes into each row, and whether row 1 is a header.

    Several phone columns (work, mobile, home) are each screened; their cells become rows of
    their own, numbered by the spreadsheet row they are on.
    """

    has_header: bool
    phones: tuple[int, ...]
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
        return cls(**{**data, "phones": tuple(data["phones"]), "headers": tuple(data.get("headers", ()))})

    @property
    def phone_names(self) -> list[str]:
        return [self.column_name(index) for index in self.phones]


@dataclass
class Inspection:
    """What a first look at a file finds: its columns, its first rows, and (upper bounds) how many rows
    of data it has and how many numbers they hold."""

    layout: Layout
    preview: list[list[str]]
    data_rows: int
    estimated_numbers: int


WINDOW_REVERSED = "assignment window ends before it starts"
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_window(text: str, name: str) -> dt.date | None:
    """One end of a row's assignment window, or None when blank: a date read exactly as the API reads
    one (django.utils.dateparse.parse_date, which DRF's DateField uses); a date and time is no date."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    shape = ISO_DATE.fullmatch(text)
    if shape:
        try:
            return dt.date(*map(int, shape.groups()))
        except ValueError:
            pass
    raise ValueError(f"{name} {text!r} is not a date (use YYYY-MM-DD)")


# One number to screen: (row number, phone, label, assigned from, assigned to, phone column index).
# A plain tuple: a list has a million.
ListRow = tuple[int, str, str, str, str, int]


class NoPhoneColumn(UnreadableFile):
    """No column looks like phone numbers: the person must say which."""


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
        raise NoPhoneColumn("No column of phone numbers was found. Say which column holds them.")
    return best


def detect_layout(rows: list[list[str]], region: str, chosen: Columns = Columns()) -> Layout:
    """Find the columns from the first rows, or take those chosen; numbers are read in `region`,
    as the rows will be matched."""
    if not rows:
        raise UnreadableFile("The file has no rows.")
    first = [cell.strip() for cell in rows[0]]
    named = any(not name.strip().isdigit() for name in chosen.phones)
    has_header = looks_like_header(first, region) or named
    if has_header:
        phones = [find_column(first, name) for name in chosen.phones] or phone_columns(first)
    else:
        numbered = [f"column {i + 1}" for i in range(len(first))]
        phones = [find_column(numbered, name) for name in chosen.phones] or [number_column(rows, region)]
        has_header = first_row_is_a_title(rows, phones[0], region)
    headers = first if has_header else [f"column {i + 1}" for i in range(len(first))]
    phones = list(dict.fromkeys(phones))
    taken = set(phones)
    label = _other_column(headers, chosen.label, LABEL_WORDS, taken, has_header)
    taken.add(label)
    start = _other_column(headers, chosen.assigned_from, FROM_WORDS, taken, has_header)
    taken.add(start)
    end = _other_column(headers, chosen.assigned_to, TO_WORDS, taken, has_header)
    return Layout(has_header, tuple(phones), label, start, end, tuple(headers))


def _other_column(headers: list[str], chosen: str | None, vocabulary, taken: set, has_header: bool) -> int | None:
    """A label or window column: the one chosen, none ("" chosen), or one found by its header."""
    if chosen:
        return find_column(headers, chosen)
    if chosen == "" or not has_header:
        return None
    return column_with(headers, vocabulary, taken)


def phone_columns(headers: list[str]) -> list[int]:
    """Every column whose header names a phone (work phone, mobile, home…), else the first that says
    number; none found is a clear error."""
    strong = [index for index, header in enumerate(headers) if any(word in PHONE_WORDS for word in words(header))]
    if strong:
        return strong
    weak = column_with(headers, WEAK_PHONE_WORDS, set())
    if weak is None:
        raise NoPhoneColumn("No column of phone numbers was found. Say which column holds them.")
    return [weak]


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


def inspect(data: bytes, region: str, chosen: Columns = Columns()) -> Inspection:
    """Read the first rows to find the columns, and estimate the numbers of the whole file
    (its rows times its phone columns)."""
    rows = first_rows(data)
    layout = detect_layout(rows, region, chosen)
    preview = rows[: PREVIEW_ROWS + (1 if layout.has_header else 0)]
    data_rows = max(estimate_rows(data) - (1 if layout.has_header else 0), 0)
    return Inspection(layout, preview, data_rows, data_rows * len(layout.phones))


def preview(data: bytes, region: str, chosen: Columns = Columns()) -> Inspection:
    """What `inspect` gives, except that a file with no column found to hold numbers is shown with no
    phone column, for the person to choose one."""
    try:
        return inspect(data, region, chosen)
    except NoPhoneColumn:
        rows = first_rows(data)
        width = max(len(row) for row in rows)
        layout = Layout(has_header=False, phones=(), headers=tuple(f"column {i + 1}" for i in range(width)))
        data_rows = estimate_rows(data)
        return Inspection(layout, rows[:PREVIEW_ROWS], data_rows, data_rows)


def list_rows(data: bytes, layout: Layout) -> Iterator[ListRow]:
    """Every number to screen with its spreadsheet row number; blank rows are skipped, not renumbered."""
    return rows_of(all_rows(data), layout)


def rows_of(records: Iterable[list[str]], layout: Layout, first_row: int = 1) -> Iterator[ListRow]:
    """The numbers to screen in these rows of a list, the first of them on spreadsheet row `first_row`.

    With several phone columns, an empty cell is no number (an employee without a home phone).
    """
    label, held_from, held_to = layout.label, layout.assigned_from, layout.assigned_to
    width = 1 + max(index for index in (*layout.phones, label, held_from, held_to) if index is not None)
    padding = [""] * width
    several = len(layout.phones) > 1
    for number, cells in enumerate(records, start=first_row):
        if (number == 1 and layout.has_header) or not "".join(cells).strip():
            continue
        if len(cells) < width:
            cells = cells + padding[len(cells) :]
        labelled = "" if label is None else cells[label]
        window = (
            "" if held_from is None else cells[held_from].strip(),
            "" if held_to is None else cells[held_to].strip(),
        )
        for phone in layout.phones:
            if not (several and not cells[phone].strip()):
                yield number, cells[phone], labelled, *window, phone
