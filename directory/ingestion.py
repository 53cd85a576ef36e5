"""Writing one batch of checked contacts with set operations (SPEC section 2).

The batch goes into a temporary staging table (COPY on PostgreSQL, multi-row INSERTs elsewhere).
Then `INSERT … ON CONFLICT DO NOTHING` adds the numbers (with their contact summary) and contacts
the directory does not have yet, the history of each new number and contact is written in bulk, and
one statement refreshes the contact summary of the numbers already listed that gained contacts. The
unique constraints on numbers and contacts make a batch written twice add nothing the second time.
"""

import io
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Model

from directory.models import Contact, ListedNumber
from lib.phone import describe

logger = logging.getLogger(__name__)

STAGING = "directory_import_staging"
STAGING_COLUMNS = ("row", "e164", "region", "number_type", "operation_id", "occurred_at", "channel")
STAGING_SQL = f"""
CREATE TEMPORARY TABLE {STAGING} (
    row integer NOT NULL, e164 varchar(20) NOT NULL, region varchar(2) NOT NULL,
    number_type varchar(32) NOT NULL, operation_id bigint NOT NULL, occurred_at {{datetime}} NOT NULL,
    channel varchar(8) NOT NULL
)"""

# The SELECTs have a WHERE clause so that SQLite reads ON CONFLICT as the INSERT's, not a join's.
INSERT_NUMBERS_SQL = """
INSERT INTO directory_listednumber (e164, region, number_type, status, status_reason,
    first_contact_at, last_contact_at, contact_count, created_at, updated_at)
SELECT e164, MIN(region), MIN(number_type), 'listed', '', MIN(occurred_at), MAX(occurred_at), COUNT(*), {now}, {now}
FROM (
    SELECT DISTINCT e164, region, number_type, occurred_at, channel, operation_id
    FROM directory_import_staging WHERE number_type <> ''
) AS contact
WHERE true
GROUP BY e164
ON CONFLICT DO NOTHING
RETURNING id"""

INSERT_CONTACTS_SQL = """
INSERT INTO directory_contact
    (number_id, operation_id, occurred_at, channel, case_reference, notes, recorded_by_id, created_at)
SELECT DISTINCT number.id, staged.operation_id, staged.occurred_at, staged.channel, '', '', {actor}, {now}
FROM directory_import_staging AS staged JOIN directory_listednumber AS number ON number.e164 = staged.e164
WHERE true
ON CONFLICT DO NOTHING
RETURNING id"""

ROW_CONTACTS_SQL = """
SELECT staged.row, contact.id, number.id, number.status
FROM directory_import_staging AS staged
JOIN directory_listednumber AS number ON number.e164 = staged.e164
JOIN directory_contact AS contact ON contact.number_id = number.id AND contact.operation_id = staged.operation_id
    AND contact.occurred_at = staged.occurred_at AND contact.channel = staged.channel
ORDER BY staged.row"""

REFRESH_SUMMARY_SQL = """
UPDATE directory_listednumber
SET first_contact_at = summary.first_at, last_contact_at = summary.last_at, contact_count = summary.total
FROM (
    SELECT number_id, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at, COUNT(*) AS total
    FROM directory_contact WHERE {numbers} GROUP BY number_id
) AS summary
WHERE directory_listednumber.id = summary.number_id"""


@dataclass(frozen=True)
class StagedContact:
    """A row that passed every check, ready to be written."""

    row: int
    e164: str
    operation_id: int
    occurred_at: datetime
    channel: str


@dataclass(frozen=True)
class WrittenRow:
    """What became of a staged row: it added its contact (the first row of a new one) or found it present."""

    row: int
    contact_id: int
    added: bool
    number_id: int
    number_status: str


def write_contacts(staged: list[StagedContact], *, actor_id: int | None, now: datetime) -> list[WrittenRow]:
    """Add the batch's new numbers and contacts, with their history; returns each staged row's fate.

    Run it inside the batch's transaction. A row whose number disappeared meanwhile has no fate.
    """
    if not staged:
        return []
    now = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        _stage(cursor, staged)
        new_numbers = _returned_ids(cursor, INSERT_NUMBERS_SQL.format(now=typed("timestamptz")), [now, now])
        insert_contacts = INSERT_CONTACTS_SQL.format(actor=typed("bigint"), now=typed("timestamptz"))
        new_contacts = _returned_ids(cursor, insert_contacts, [actor_id, now])
        cursor.execute(ROW_CONTACTS_SQL)
        written = _fates(cursor.fetchall(), set(new_contacts))
        record_creations(cursor, ListedNumber, new_numbers, actor_id=actor_id, now=now)
        record_creations(cursor, Contact, new_contacts, actor_id=actor_id, now=now)
        gained = {row.number_id for row in written if row.added} - set(new_numbers)
        refresh_summaries(cursor, sorted(gained))
        cursor.execute(f"DROP TABLE {STAGING}")
    return written


def _stage(cursor, staged: list[StagedContact]) -> None:
    """The batch in the staging table; numbers the directory does not have yet come with their region and type."""
    started = time.perf_counter()
    numbers = {row.e164 for row in staged}
    known = set(ListedNumber.objects.filter(e164__any_of=numbers).values_list("e164", flat=True))
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            row.row,
            row.e164,
            *(("", "") if row.e164 in known else describe(row.e164)),
            row.operation_id,
            adapt(row.occurred_at),
            row.channel,
        )
        for row in staged
    ]
    logger.info(
        "%d numbers looked up and %d new ones described in %.2f s",
        len(numbers),
        len(numbers - known),
        time.perf_counter() - started,
    )
    postgresql = connection.vendor == "postgresql"
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")  # left by a batch that failed on this connection
    cursor.execute(STAGING_SQL.format(datetime="timestamptz" if postgresql else "datetime"))
    if postgresql:
        text = "".join("\t".join(map(str, row)) + "\n" for row in rows)
        cursor.copy_expert(f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN", io.StringIO(text))
        cursor.execute(f"ANALYZE {STAGING}")
        return
    placeholders = f"({', '.join(['%s'] * len(STAGING_COLUMNS))})"
    size = max(1, 999 // len(STAGING_COLUMNS))
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        cursor.execute(
            f"INSERT INTO {STAGING} VALUES {', '.join([placeholders] * len(part))}",  # noqa: S608  # nosec B608
            [value for row in part for value in row],
        )


def _returned_ids(cursor, sql: str, params: list) -> list[int]:
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


def _fates(rows: Iterable[tuple], new_contacts: set[int]) -> list[WrittenRow]:
    """The first row of each new contact added it; every other row found its contact already there."""
    claimed: set[int] = set()
    written = []
    for row, contact_id, number_id, status in rows:
        added = contact_id in new_contacts and contact_id not in claimed
        claimed.add(contact_id)
        written.append(WrittenRow(row, contact_id, added, number_id, status))
    return written


def typed(sql_type: str) -> str:
    """A parameter in a SELECT's list: PostgreSQL needs its type (it would take NULL or a date for text)."""
    return f"CAST(%s AS {sql_type})" if connection.vendor == "postgresql" else "%s"


def ids_condition(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` is one of `ids`, sent as one parameter whatever their number."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608  # nosec B608


def record_creations(cursor, model: type[Model], ids: list[int], *, actor_id: int | None, now) -> None:
    """Write the django-simple-history "created" record of each of these rows, in one statement.

    The history table has the model's columns (those it keeps) and its own; each of the model's is
    copied from the row as it is now, just created.
    """
    if not ids:
        return
    history = model.history.model
    own = {
        "history_date": (typed("timestamptz"), now),
        "history_user": (typed("bigint"), actor_id),
        "history_type": ("'+'", None),
    }
    own["history_change_reason"] = ("NULL", None)
    columns, values, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        value, param = own.get(field.name, (connection.ops.quote_name(field.column), None))
        values.append(value)
        if "%s" in value:
            params.append(param)
    condition, id_params = ids_condition("id", ids)
    cursor.execute(
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "  # noqa: S608  # nosec B608
        f"SELECT {', '.join(values)} FROM {model._meta.db_table} WHERE {condition}",
        [*params, *id_params],
    )


def refresh_summaries(cursor, number_ids: list[int]) -> None:
    """First and last contact time and contact count of these numbers, from their contacts."""
    if number_ids:
        numbers, params = ids_condition("number_id", number_ids)
        cursor.execute(REFRESH_SUMMARY_SQL.format(numbers=numbers), params)
