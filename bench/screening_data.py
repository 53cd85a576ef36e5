"""The screening benchmark's company list, in mixed formats.

Listed number i is +1 (200 + i // 10000) 555 (i % 10000), the layout of the directory bench/common.py
loads; the company list's other US numbers never have the 555 exchange, so they are never listed.
"""

import csv
import random
from pathlib import Path

# What the rows of the company list are, by share. Every kind also appears in bench/README.md.
ROW_KINDS = {
    "listed": 0.03,  # a listed number, written in one of the US shapes
    "us": 0.84,  # an unlisted US number, in one of the US shapes
    "extension": 0.03,  # an unlisted US number with an extension
    "international": 0.05,  # a non-US number with its country code (or the US exit code 011)
    "junk": 0.02,  # empty, words, too short or too long
    "duplicate": 0.03,  # a number from an earlier row, written again, maybe in another shape
}

US_SHAPES = (
    "+1{a}{e}{s}",
    "({a}) {e}-{s}",
    "{a}-{e}-{s}",
    "{a}.{e}.{s}",
    "1-{a}-{e}-{s}",
    "{a}{e}{s}",
    "+1 {a} {e} {s}",
    "1 ({a}) {e}-{s}",
)
EXTENSION_SHAPES = ("{a}-{e}-{s} x{x}", "({a}) {e}-{s} ext. {x}", "+1 {a} {e} {s};ext={x}", "{a}.{e}.{s} #{x}")
INTERNATIONAL_SHAPES = (
    "+44 7700 9{d3}{d3}",
    "+44 20 7946 {d4}",
    "011 44 7700 9{d3}{d3}",
    "+49 30 {d4}{d3}",
    "+33 6 {d2} {d2} {d2} {d2}",
    "+91 98{d3} {d3}{d2}",
    "+61 4{d2} {d3} {d3}",
    "+52 55 {d4} {d4}",
)
EXCHANGES = tuple(str(n) for n in range(200, 1000) if n != 555)
JUNK = ("", "n/a", "unknown", "call reception", "12345", "555-0123", "+1 212 555 01234567", "#REF!", "tbd", "0")


class CompanyList:
    """Rows of a company phone list, drawn reproducibly from a seed."""

    def __init__(self, listed_count: int, seed: int):
        self.listed_count = listed_count
        self.random = random.Random(seed)
        self.earlier: list[tuple[str, str, str]] = []  # (area, exchange, subscriber) of earlier US rows
        self.kinds = list(ROW_KINDS)
        self.weights = list(ROW_KINDS.values())

    def digits(self, count: int) -> str:
        return "".join(self.random.choices("0123456789", k=count))

    def us_parts(self) -> tuple[str, str, str]:
        area = str(self.random.randint(200, 999))
        return area, self.random.choice(EXCHANGES), self.digits(4)

    def listed_parts(self) -> tuple[str, str, str]:
        i = self.random.randrange(self.listed_count)
        return str(200 + i // 10000), "555", f"{i % 10000:04d}"

    def us_shape(self, parts: tuple[str, str, str]) -> str:
        area, exchange, subscriber = parts
        return self.random.choice(US_SHAPES).format(a=area, e=exchange, s=subscriber)

    def phone(self) -> str:
        kind = self.random.choices(self.kinds, self.weights)[0]
        if kind in ("listed", "us"):
            parts = self.listed_parts() if kind == "listed" else self.us_parts()
            self.earlier.append(parts)
            return self.us_shape(parts)
        if kind == "extension":
            area, exchange, subscriber = self.us_parts()
            shape = self.random.choice(EXTENSION_SHAPES)
            return shape.format(a=area, e=exchange, s=subscriber, x=self.random.randint(1, 9999))
        if kind == "international":
            shape = self.random.choice(INTERNATIONAL_SHAPES)
            return shape.format(d2=self.digits(2), d3=self.digits(3), d4=self.digits(4))
        if kind == "duplicate" and self.earlier:
            return self.us_shape(self.random.choice(self.earlier))
        return self.random.choice(JUNK)


def write_company_list(path: Path, rows: int, listed_count: int, seed: int) -> int:
    """Write the CSV (header `employee_id,phone`, every line ending in a line break); returns its size in bytes."""
    company = CompanyList(listed_count, seed)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["employee_id", "phone"])
        for n in range(1, rows + 1):
            writer.writerow([f"E{n:07d}", company.phone()])
    return path.stat().st_size
