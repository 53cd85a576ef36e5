"""Writing many rows into a table in one go: COPY on PostgreSQL, multi-row INSERTs elsewhere.

A million-row import or screening writes tens of thousands of rows a batch; model instances and
bulk_create cost several times what the database does.
"""

import io

from django.db import connection

# COPY's text format: a backslash, line break or tab inside a value is written as an escape.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})

# SQLite's default limit on the parameters of one statement.
MAX_PARAMETERS = 999


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format, None as \\N."""
    lines = ("\t".join("\\N" if value is None else str(value).translate(COPY_ESCAPES) for value in row) for row in rows)
    return "".join(line + "\n" for line in lines)


def write_rows(cursor, table: str, rows: list[tuple], columns: str = "") -> None:
    """Write `rows` into `table` (quoted), in `columns` (a quoted, comma-separated list) or all of them."""
    if not rows:
        return
    into = f"{table} ({columns})" if columns else table
    if connection.vendor == "postgresql":
        cursor.copy_expert(f"COPY {into} FROM STDIN", io.StringIO(copy_text(rows)))
        return
    one_row = f"({', '.join(['%s'] * len(rows[0]))})"
    size = max(1, MAX_PARAMETERS // len(rows[0]))
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        cursor.execute(
            f"INSERT INTO {into} VALUES {', '.join([one_row] * len(part))}",  # noqa: S608  # nosec B608
            [value for row in part for value in row],
        )
