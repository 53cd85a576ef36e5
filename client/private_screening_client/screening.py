"""A private screening of one list: the same outcome for every row as the site's screening gives.

Rows are classified here with the site's own rules (lib): invalid numbers and windows, and repeats,
never leave the machine. The other numbers are checked by private set intersection; only the hits
are looked up, with their windows, so each is confirmed against the live directory (a number put
under review since the set-up was built is `no_match`) and gets its evidence.
"""

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from lib.phone import normalize
from lib.phone_lists import WINDOW_REVERSED, Columns, Layout, inspect, list_rows, parse_window
from lib.result_files import Echo, csv_lines, result_cells
from private_screening_client.protocol import listed_numbers
from private_screening_client.server import Server


class Result(NamedTuple):
    """One row of the result file, as a screening stores it (never `no_match`, nor a repeat of one)."""

    row: int
    input: str
    label: str
    e164: str | None
    outcome: str
    reason: str = ""
    evidence: dict | None = None
    first_row: int | None = None
    phone_column: str = ""


class Classified(NamedTuple):
    """A row as far as the client can tell: an `outcome` when it is decided here, else a number to check."""

    outcome: str
    e164: str | None
    reason: str = ""
    assigned_from: str = ""
    assigned_to: str = ""
    keeps_input: bool = True  # a row whose window date is bad keeps no number, as the site keeps none


@dataclass
class Report:
    rows_read: int = 0
    numbers_sent: int = 0
    hits: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    results: list[Result] = field(default_factory=list)
    disclaimer: str = ""
    directory_as_of: str = ""
    seconds: dict = field(default_factory=dict)  # where the time went, by step


OUTCOMES = ("match", "outside_window", "no_match", "invalid", "duplicate")
NOT_LISTED = {"outcome": "no_match"}
TO_CHECK = "check"


def classify(raw: str, held_from: str, held_to: str, region: str, seen: set[str]) -> Classified:
    """The rules of SPEC section 3, in the order the site applies them; a number to check joins `seen`."""
    try:
        start, end = parse_window(held_from, "assigned_from"), parse_window(held_to, "assigned_to")
    except ValueError as error:
        return Classified("invalid", None, str(error), keeps_input=False)
    normalized = normalize(raw, region)
    if not normalized.is_valid:
        return Classified("invalid", None, normalized.reason)
    if start and end and start > end:
        return Classified("invalid", None, WINDOW_REVERSED)
    if normalized.e164 in seen:
        return Classified("duplicate", normalized.e164)
    seen.add(normalized.e164)
    return Classified(TO_CHECK, normalized.e164, "", start.isoformat() if start else "", end.isoformat() if end else "")


def classified_rows(data: bytes, layout: Layout, region: str) -> Iterator[tuple[int, str, str, str, Classified]]:
    """(row, input, label, phone column's name, verdict) for each number of the list, read as it goes:
    a pass over a million rows keeps none of them."""
    seen: set[str] = set()
    for row, raw, label, held_from, held_to, column in list_rows(data, layout):
        yield row, raw, label, layout.column_name(column), classify(raw, held_from, held_to, region, seen)


def numbers_to_check(data: bytes, layout: Layout, region: str) -> tuple[list[str], int]:
    """The different valid numbers of the list, in order, and the number of rows read."""
    numbers, rows = [], 0
    for *_, verdict in classified_rows(data, layout, region):
        rows += 1
        if verdict.outcome == TO_CHECK:
            numbers.append(verdict.e164)
    return numbers, rows


def screen_privately(
    data: bytes,
    server: Server,
    *,
    region: str,
    columns: Columns | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    overlap: bool = True,
) -> Report:
    """Screen a list; `columns` are those the person chose (found from the header otherwise, as on
    the site), and `progress(done, total)` hears of the numbers checked so far.

    `overlap` lets the server answer one batch while the next is encrypted (the server is called
    from a second thread).
    """
    clock = Clock()
    layout = inspect(data, region, columns or Columns()).layout
    numbers, rows = numbers_to_check(data, layout, region)
    reading = clock.lap()
    header, shards = server.setup()
    report = Report(rows_read=rows, numbers_sent=len(numbers), directory_as_of=header["directory_as_of"])
    report.seconds = {"reading": reading, "setup_download": clock.lap()}
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(done, len(numbers))

    hits = listed_numbers(numbers, header, shards, server.answer, advance, overlap=overlap)
    report.hits, report.seconds["private_check"] = len(hits), clock.lap()
    confirm(report, data, layout, region, hits, server)
    report.seconds["confirming"] = clock.lap()
    return report


class Clock:
    """Seconds between laps: where a run's time went."""

    def __init__(self):
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        seconds, self.last = now - self.last, now
        return round(seconds, 2)


def confirm(report: Report, data: bytes, layout: Layout, region: str, hits: set[str], server: Server) -> None:
    """The hits looked up with their windows, then a last pass over the list for the result rows.

    As on the site, a repeat is kept, naming its first row, only when that first row is kept.
    """
    lookups = [
        lookup_item(verdict)
        for *_, verdict in classified_rows(data, layout, region)
        if verdict.outcome == TO_CHECK and verdict.e164 in hits
    ]
    answers, report.disclaimer = server.lookup(lookups, region) if lookups else ([], "")
    answered = {item["number"]: answer for item, answer in zip(lookups, answers, strict=True)}
    kept_rows: dict[str, int] = {}  # the E.164 of each kept row (a match, or outside its window): that row
    for row, raw, label, column, verdict in classified_rows(data, layout, region):
        if verdict.outcome == TO_CHECK:
            answer = answered.get(verdict.e164, NOT_LISTED)
            report.counts[answer["outcome"]] += 1
            if answer["outcome"] != "no_match":
                kept_rows[verdict.e164] = row
                report.results.append(
                    Result(
                        row,
                        raw,
                        label,
                        answer["e164"],
                        answer["outcome"],
                        answer["reason"],
                        answer["evidence"],
                        phone_column=column,
                    )
                )
            continue
        report.counts[verdict.outcome] += 1
        first_row = kept_rows.get(verdict.e164)
        if verdict.outcome == "duplicate" and first_row is None:
            continue
        shown = raw if verdict.keeps_input else ""
        report.results.append(
            Result(row, shown, label, verdict.e164, verdict.outcome, verdict.reason, None, first_row, column)
        )
    report.results.sort(key=lambda result: result.row)


def lookup_item(verdict: Classified) -> dict:
    item = {"number": verdict.e164}
    if verdict.assigned_from:
        item["assigned_from"] = verdict.assigned_from
    if verdict.assigned_to:
        item["assigned_to"] = verdict.assigned_to
    return item


def result_file(report: Report) -> Iterator[str]:
    """The CSV a screening exports (same columns and escaping), with the disclaimer after a match."""
    yield from csv_lines(result_cells(result, result.phone_column) for result in report.results)
    if report.counts["match"] and report.disclaimer:
        yield csv.writer(Echo()).writerow([report.disclaimer])
