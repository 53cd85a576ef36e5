"""The rows of a screening's result file, safe to open in a spreadsheet. No Django: the private-screening
client writes its result file with this same code, so both files have the same columns and escaping."""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    "row",
    "input",
    "label",
    "e164",
    "outcome",
    "reason",
    "first_contact",
    "last_contact",
    "contact_count",
    "channels",
    "jurisdictions",
]


def escape_formula(value) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    def write(self, value):
        return value


def result_cells(result) -> list:
    """One result (anything with row, input, label, e164, outcome, reason and evidence) as cells."""
    evidence = result.evidence or {}
    jurisdictions = "; ".join(op["jurisdiction"] for op in evidence.get("operations", []))
    return [
        result.row,
        result.input,
        result.label,
        result.e164,
        result.outcome,
        result.reason,
        evidence.get("first_contact", ""),
        evidence.get("last_contact", ""),
        evidence.get("contact_count", ""),
        " ".join(evidence.get("channels", [])),
        jurisdictions,
    ]


def csv_lines(results: Iterable) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for result in results:
        yield writer.writerow([escape_formula(cell) for cell in result_cells(result)])
