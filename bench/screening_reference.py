"""The reference a careful engineer would write by hand for one screening, in one process.

Every row through `phonenumbers` (parse in region US, invalid unless IS_POSSIBLE, E.164), the
valid rows COPYed into a temporary table, one join against the listed numbers.
"""

import csv
import io
import time

import phonenumbers
import psycopg2
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

JOIN_SQL = """
SELECT company.row, company.e164
FROM company_rows AS company
JOIN directory_listednumber AS listed ON listed.e164 = company.e164
WHERE listed.status = 'listed'
"""


def e164_or_none(raw: str) -> str | None:
    try:
        parsed = phonenumbers.parse(raw, "US")
    except NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(parsed) != ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def normalized_rows(path) -> tuple[io.StringIO, int]:
    """(row, e164) of the valid rows as COPY text, rows numbered as the product numbers them; and the invalid count."""
    copy_text, invalid = io.StringIO(), 0
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        phone = next(reader).index("phone")
        for row, cells in enumerate(reader, start=2):
            e164 = e164_or_none(cells[phone] if phone < len(cells) else "")
            if e164 is None:
                invalid += 1
            else:
                copy_text.write(f"{row}\t{e164}\n")
    copy_text.seek(0)
    return copy_text, invalid


def run_reference(path, database_url: str) -> dict:
    """Time the reference end to end, from reading the file to the matched rows; with the counts to check against."""
    started = time.perf_counter()
    copy_text, invalid = normalized_rows(path)
    parsed = time.perf_counter()
    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE company_rows (row integer, e164 varchar(16))")
            cursor.copy_expert("COPY company_rows FROM STDIN", copy_text)
            copied = time.perf_counter()
            cursor.execute(JOIN_SQL)
            matched = cursor.fetchall()
            finished = time.perf_counter()
            cursor.execute("SELECT count(*), count(DISTINCT e164) FROM company_rows")
            valid, distinct = cursor.fetchone()
    finally:
        connection.close()
    return {
        "seconds": round(finished - started, 2),
        "parse_seconds": round(parsed - started, 2),
        "copy_seconds": round(copied - parsed, 2),
        "join_seconds": round(finished - copied, 2),
        "rows": valid + invalid,
        "invalid": invalid,
        "valid": valid,
        "distinct_valid": distinct,
        "matched_rows": len(matched),
        "distinct_matched": len({e164 for _, e164 in matched}),
    }


def expected_counts(reference: dict) -> dict:
    """The outcome counts the screening must give for the same file (no windows: no outside_window)."""
    return {
        "match": reference["distinct_matched"],
        "outside_window": 0,
        "no_match": reference["distinct_valid"] - reference["distinct_matched"],
        "invalid": reference["invalid"],
        "duplicate": reference["valid"] - reference["distinct_valid"],
    }
