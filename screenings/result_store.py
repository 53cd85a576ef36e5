"""The result store: a chunk's rows read back, and results written in bulk (COPY or multi-row INSERT)."""

import json
from collections.abc import Iterator

import numpy
from django.db import connection

from directory.matching import MatchResult, Outcome
from lib.bulk import write_rows
from lib.list_parts import part_rows
from lib.phone_lists import Layout, ListRow
from screenings.models import Screening, ScreeningChunk, ScreeningResult


def chunk_rows(chunk: ScreeningChunk) -> Iterator[ListRow]:
    """A chunk's numbers (lib.list_parts); the chunk comes with its screening, for the file's layout."""
    return part_rows(chunk.content, chunk.first_row, chunk.delimiter, Layout.from_dict(chunk.screening.layout))


# E.164 digits as unsigned 64-bit integers, little-endian: at most 19 digits (lib.phone.E164_MAX_LENGTH)
# fit, and no country code starts with 0.
NUMBER_TYPE = numpy.dtype("<u8")


def pack_numbers(e164s: list[str]) -> bytes:
    """E.164 numbers in 8 bytes each. Finalize reads every chunk's numbers; integers cost a
    fraction of the text to read and compare."""
    return numpy.fromiter((int(e164[1:]) for e164 in e164s), NUMBER_TYPE, len(e164s)).tobytes()


def unpack_numbers(data: bytes) -> numpy.ndarray:
    return numpy.frombuffer(data, NUMBER_TYPE)


# A cell of the file, (row, column), in 8 bytes: the row above 32 bits, the phone column's index below.
COLUMN_BITS = 32


def pack_cells(rows: list[int], columns: list[int]) -> bytes:
    return ((numpy.array(rows, NUMBER_TYPE) << COLUMN_BITS) | numpy.array(columns, NUMBER_TYPE)).tobytes()


def unpack_cells(data: bytes) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The rows and the columns of packed cells."""
    cells = numpy.frombuffer(data, NUMBER_TYPE)
    return cells >> COLUMN_BITS, cells & ((1 << COLUMN_BITS) - 1)


def pack_flags(flags: list[bool]) -> bytes:
    return numpy.array(flags, bool).tobytes()


def unpack_flags(data: bytes) -> numpy.ndarray:
    return numpy.frombuffer(data, bool)


# The last two fields are JSON.
RESULT_FIELDS = ("screening", "chunk_index", *ScreeningResult.ROW_FIELDS, "first_column", "evidence", "detail")


def stored_fields(result: MatchResult, first: tuple[int, int] | None = None) -> tuple:
    """(input, label, E.164, outcome, reason, first row, first column, evidence, detail) of a result to store."""
    item = result.input
    first_row, first_column = first or (None, None)
    return (
        item.raw,
        item.label,
        result.e164 or "",
        result.outcome,
        result.reason,
        first_row,
        first_column,
        result.evidence,
        outside_window_detail(result),
    )


def outside_window_detail(result: MatchResult) -> dict | None:
    """Why a listed number did not match: the window that was applied and the span of its contacts."""
    if result.contact_span is None:
        return None
    item, (first, last) = result.input, result.contact_span
    return {
        "assigned_from": item.assigned_from.isoformat() if item.assigned_from else None,
        "assigned_to": item.assigned_to.isoformat() if item.assigned_to else None,
        "first_contact": first.isoformat(),
        "last_contact": last.isoformat(),
    }


def insert_results(screening: Screening, results: list[tuple]) -> None:
    """Write results, each (chunk index, row, column, *stored_fields), in one go (lib.bulk)."""
    if not results:
        return
    fields = [ScreeningResult._meta.get_field(name) for name in RESULT_FIELDS]
    screening_id = str(_screening_id(screening))
    rows = [
        (screening_id, chunk_index, row, column, raw[:255], label[:255], e164, outcome, reason[:200], *rest)
        + (json_or_none(evidence), json_or_none(detail))
        for chunk_index, row, column, raw, label, e164, outcome, reason, *rest, evidence, detail in results
    ]
    quote = connection.ops.quote_name
    table, columns = quote(ScreeningResult._meta.db_table), ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        write_rows(cursor, table, rows, columns)


def json_or_none(value) -> str | None:
    return None if value is None else json.dumps(value)


# VALUES lists of cells: (row, column[, first row, first column]); their columns are column1… in
# PostgreSQL and SQLite. Each query finds results through an index: the cells' own by (screening,
# row, column), bounded by the cells' rows (fresh results have no planner statistics yet); their
# repeats by (screening, first row, first column).
OUTCOMES_AT_SQL = """
SELECT result.outcome FROM {table} AS result JOIN (VALUES {values}) AS cell
    ON result.row = cell.column1 AND result.{column} = cell.column2
WHERE result.screening_id = %s AND result.row BETWEEN %s AND %s"""

NAME_FIRST_CELL_SQL = """
UPDATE {table} SET outcome = %s, reason = '', evidence = NULL, detail = NULL,
    first_row = cell.column3, first_column = cell.column4
FROM (VALUES {values}) AS cell
WHERE {table}.screening_id = %s AND {table}.row BETWEEN %s AND %s
    AND {table}.row = cell.column1 AND {table}.{column} = cell.column2"""

NAME_FIRST_CELL_OF_REPEATS_SQL = """
UPDATE {table} SET first_row = cell.column3, first_column = cell.column4
FROM (VALUES {values}) AS cell
WHERE {table}.screening_id = %s AND {table}.first_row = cell.column1 AND {table}.first_column = cell.column2"""

CELLS_A_STATEMENT = 200


def _by_cells(sql: str, cells: list[tuple], params_after: list) -> Iterator[tuple[str, list]]:
    """`sql` with its VALUES list for each part of `cells`, and its parameters: the cells' values first."""
    quote = connection.ops.quote_name
    for start in range(0, len(cells), CELLS_A_STATEMENT):
        part = cells[start : start + CELLS_A_STATEMENT]
        values = ", ".join([f"({', '.join(['%s'] * len(part[0]))})"] * len(part))
        text = sql.format(table=quote(ScreeningResult._meta.db_table), column=quote("column"), values=values)
        yield text, [value for cell in part for value in cell] + params_after


def _screening_id(screening: Screening):
    return ScreeningResult._meta.get_field("screening").get_db_prep_value(screening.pk, connection)


def _rows_of(cells: list[tuple]) -> tuple[int, int]:
    """The first and last row of these cells."""
    rows = [cell[0] for cell in cells]
    return min(rows), max(rows)


def outcomes_at(screening: Screening, cells: list[tuple[int, int]]) -> list[str]:
    """The stored outcome at each of these (row, column) cells that has one."""
    outcomes = []
    with connection.cursor() as cursor:
        for sql, params in _by_cells(OUTCOMES_AT_SQL, cells, [_screening_id(screening), *_rows_of(cells)]):
            cursor.execute(sql, params)
            outcomes += [outcome for (outcome,) in cursor.fetchall()]
    return outcomes


def name_first_cells(screening: Screening, first: dict[tuple[int, int], tuple[int, int]]) -> None:
    """Each cell of `first` becomes a repeat of the cell it maps to, and so do its repeats (they name it first).

    Set-based: an ORM update would build a CASE of one branch a cell.
    """
    cells = [(*place, *first_place) for place, first_place in first.items()]
    screening_id = _screening_id(screening)
    with connection.cursor() as cursor:
        for sql, params in _by_cells(NAME_FIRST_CELL_OF_REPEATS_SQL, cells, [screening_id]):
            cursor.execute(sql, params)
        for sql, params in _by_cells(NAME_FIRST_CELL_SQL, cells, [screening_id, *_rows_of(cells)]):
            cursor.execute(sql, [Outcome.DUPLICATE, *params])
