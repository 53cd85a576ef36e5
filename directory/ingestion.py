"""Writing one batch of checked contacts with set operations (SPEC section 2).

The batch's numbers are looked up in one query; those the directory does not have yet are
described (region and type) and added with their contact summary by one
`INSERT … ON CONFLICT DO NOTHING`. The batch's distinct contacts go into a temporary staging table
(COPY on PostgreSQL, multi-row INSERTs elsewhere) and one `INSERT … ON CONFLICT DO NOTHING …
RETURNING` adds those the directory does not have: what it returns tells each row whether it added
its contact or found it present. The history of each new number and contact is written in bulk,
and one statement refreshes the contact summary of the numbers already listed that gained contacts.
The unique constraints on numbers and contacts make a batch written twice add nothing the second
time.
"""

import json
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Model

from directory.models import Contact, ListedNumber
from lib.bulk import write_rows
from lib.phone import describe

logger = logging.getLogger(__name__)

NUMBERS_STAGING = (
    "directory_import_numbers",
    "e164 varchar(20), region varchar(2), number_type varchar(32), "
    "first_at {datetime}, last_at {datetime}, contacts integer",
)
CONTACTS_STAGING = (
    "directory_import_contacts",
    "number_id bigint, operation_id bigint, occurred_at {datetime}, channel varchar(8)",
)

# The SELECTs have a WHERE clause so that SQLite reads ON CONFLICT as the INSERT's, not a join's.
# New numbers go in the order of their value, so that two imports adding the same ones cannot deadlock.
INSERT_NUMBERS_SQL = """
INSERT INTO directory_listednumber (e164, region, number_type, status, status_reason,
    first_contact_at, last_contact_at, contact_count, created_at, updated_at)
SELECT e164, region, number_type, 'listed', '', first_at, last_at, contacts, {now}, {now}
FROM directory_import_numbers WHERE true ORDER BY e164
ON CONFLICT DO NOTHING
RETURNING id, e164"""

INSERT_CONTACTS_SQL = """
INSERT INTO directory_contact
    (number_id, operation_id, occurred_at, channel, case_reference, notes, recorded_by_id, created_at)
SELECT number_id, operation_id, occurred_at, channel, '', '', {actor}, {now}
FROM directory_import_contacts WHERE true ORDER BY number_id, occurred_at, channel, operation_id
ON CONFLICT DO NOTHING
RETURNING id, number_id, occurred_at, channel, operation_id"""

REFRESH_SUMMARY_SQL = """
UPDATE directory_listednumber
SET first_contact_at = summary.first_at, last_contact_at = summary.last_at, contact_count = summary.total
FROM (
    SELECT number_id, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at, COUNT(*) AS total
    FROM directory_contact WHERE {numbers} GROUP BY number_id
) AS summary
WHERE directory_listednumber.id = summary.number_id"""


class StagedContact(NamedTuple):
    """A row that passed every check, ready to be written."""

    row: int
    e164: str
    operation_id: int
    occurred_at: datetime  # aware, in UTC: the key of its contact as `_contact_key` makes it
    channel: str


class WrittenRow(NamedTuple):
    """What became of a staged row: it added its contact (the first row of a new one) or found it present."""

    row: int
    contact_id: int | None  # the contact it added
    added: bool
    number_id: int
    number_status: str


class Number(NamedTuple):
    id: int
    status: str
    added: bool  # by this batch


def write_contacts(staged: list[StagedContact], *, actor_id: int | None, now: datetime) -> list[WrittenRow]:
    """Add the batch's new numbers and contacts, with their history; returns each staged row's fate.

    Run it inside the batch's transaction.
    """
    if not staged:
        return []
    now = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        numbers = _numbers(cursor, staged, now)
        keys = [(numbers[row.e164].id, row.occurred_at, row.channel, row.operation_id) for row in staged]
        added = _add_contacts(cursor, set(keys), actor_id=actor_id, now=now)
        new_numbers = [number.id for number in numbers.values() if number.added]
        record_creations(cursor, ListedNumber, new_numbers, actor_id=actor_id, now=now)
        record_creations(cursor, Contact, list(added.values()), actor_id=actor_id, now=now)
        gained = {key[0] for key in added} - set(new_numbers)
        refresh_summaries(cursor, sorted(gained))
        for table, _ in (NUMBERS_STAGING, CONTACTS_STAGING):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return _fates(staged, keys, numbers, added)


def _numbers(cursor, staged: list[StagedContact], now) -> dict[str, Number]:
    """Every number of the batch, as listed now: those the directory has, then those the batch adds."""
    numbers = _known({row.e164 for row in staged})
    new = _new_numbers(staged, numbers)
    if new:
        _fill(cursor, NUMBERS_STAGING, new)
        cursor.execute(INSERT_NUMBERS_SQL.format(now=typed("timestamptz")), [now, now])
        numbers.update((e164, Number(pk, ListedNumber.Status.LISTED, True)) for pk, e164 in cursor.fetchall())
        # Added meanwhile by another import: listed, and its summary is refreshed like any other's.
        numbers.update(_known({row[0] for row in new} - numbers.keys()))
    return numbers


def _known(e164s: set[str]) -> dict[str, Number]:
    if not e164s:
        return {}
    listed = ListedNumber.objects.filter(e164__any_of=e164s).values_list("e164", "id", "status")
    return {e164: Number(pk, status, False) for e164, pk, status in listed}


def _new_numbers(staged: list[StagedContact], known: dict[str, Number]) -> list[tuple]:
    """The numbers the directory does not have, with their region, type and contact summary from this batch."""
    started = time.perf_counter()
    contacts: dict[str, set] = {}
    for row in staged:
        if row.e164 not in known:
            contacts.setdefault(row.e164, set()).add((row.occurred_at, row.channel, row.operation_id))
    adapt = connection.ops.adapt_datetimefield_value
    new = []
    for e164, events in contacts.items():
        times = [occurred_at for occurred_at, _, _ in events]
        new.append((e164, *describe(e164), adapt(min(times)), adapt(max(times)), len(events)))
    logger.info(
        "%d numbers looked up and %d new ones described in %.2f s",
        len(known) + len(new),
        len(new),
        time.perf_counter() - started,
    )
    return new


def _contact_key(number_id, occurred_at, channel: str, operation_id) -> tuple:
    """A contact's identity; its time as an aware datetime, however the database returned it."""
    if isinstance(occurred_at, str):
        occurred_at = datetime.fromisoformat(occurred_at)
    if occurred_at.tzinfo is None:  # SQLite keeps UTC without its offset
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return number_id, occurred_at, channel, operation_id


def _add_contacts(cursor, distinct: set[tuple], *, actor_id, now) -> dict[tuple, int]:
    """Add these contacts (keys) the directory does not have; returns the added ones' ids by key."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(number, operation, adapt(at), channel) for number, at, channel, operation in distinct]
    _fill(cursor, CONTACTS_STAGING, rows)
    cursor.execute(INSERT_CONTACTS_SQL.format(actor=typed("bigint"), now=typed("timestamptz")), [actor_id, now])
    if connection.vendor == "postgresql":  # aware datetimes already
        return {(number, at, channel, operation): pk for pk, number, at, channel, operation in cursor.fetchall()}
    return {
        _contact_key(number, at, channel, operation): pk for pk, number, at, channel, operation in cursor.fetchall()
    }


def _fill(cursor, staging: tuple[str, str], rows: list[tuple]) -> None:
    """A fresh temporary staging table holding `rows`."""
    table, columns = staging
    postgresql = connection.vendor == "postgresql"
    cursor.execute(f"DROP TABLE IF EXISTS {table}")  # left by a batch that failed on this connection
    cursor.execute(
        f"CREATE TEMPORARY TABLE {table} ({columns.format(datetime='timestamptz' if postgresql else 'datetime')})"
    )
    write_rows(cursor, table, rows)  # read straight through, never joined: no statistics needed


def _fates(staged: Iterable[StagedContact], keys: list[tuple], numbers: dict[str, Number], added: dict[tuple, int]):
    """The first row of each contact added it; every other row found its contact already there."""
    claimed: set[tuple] = set()
    written = []
    for row, key in zip(staged, keys, strict=True):
        number = numbers[row.e164]
        contact_id = added.get(key) if key not in claimed else None
        claimed.add(key)
        written.append(WrittenRow(row.row, contact_id, contact_id is not None, number.id, number.status))
    return written


def typed(sql_type: str) -> str:
    """A parameter in a SELECT's list: PostgreSQL needs its type (it would take NULL or a date for text)."""
    return f"CAST(%s AS {sql_type})" if connection.vendor == "postgresql" else "%s"


def values_condition(column: str, values: list) -> tuple[str, list]:
    """`column` is one of `values`, sent as one parameter whatever their number."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]  # noqa: S608  # nosec B608


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
    condition, id_params = values_condition("id", ids)
    cursor.execute(
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "  # noqa: S608  # nosec B608
        f"SELECT {', '.join(values)} FROM {model._meta.db_table} WHERE {condition}",
        [*params, *id_params],
    )


def refresh_summaries(cursor, number_ids: list[int]) -> None:
    """First and last contact time and contact count of these numbers, from their contacts."""
    if number_ids:
        numbers, params = values_condition("number_id", number_ids)
        cursor.execute(REFRESH_SUMMARY_SQL.format(numbers=numbers), params)
