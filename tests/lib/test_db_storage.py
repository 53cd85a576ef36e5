from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from directory.importing import import_contacts
from directory.services import refresh_contact_summary
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.real_servers

UNCOMPRESSED = {
    ("screenings_screeningupload", "content"),
    ("screenings_screeningdraft", "content"),
    ("screenings_screeningchunk", "content"),
    ("screenings_screeningchunk", "first_cells_packed"),
    ("screenings_screeningchunk", "first_numbers_packed"),
    ("directory_contactimportfile", "content"),
}


@pytest.mark.django_db
def test_uploads_and_the_work_made_from_them_are_stored_without_compression():
    """PostgreSQL would compress each upload inside its request (0.6 s of a 23 MB list's 1.1 s INSERT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname FROM pg_attribute WHERE attstorage = 'e' AND NOT attisdropped"
        )
        assert set(cursor.fetchall()) >= UNCOMPRESSED


@pytest.mark.django_db
def test_the_directorys_numbers_are_compared_byte_by_byte_through_their_index():
    """Each screening chunk looks up 20,000 numbers in this index: a language's collation slows every comparison."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'directory_listednumber' AND column_name = 'e164'"
        )
        assert cursor.fetchone() == ("C",)
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: only an unusable index gives a scan
        lookup = "SELECT id FROM directory_listednumber WHERE e164 = ANY(string_to_array(%s, ','))"
        cursor.execute(f"EXPLAIN {lookup}", ["+1"])
        assert "unique_listed_number" in " ".join(line for (line,) in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_changing_the_numbers_collation_keeps_the_planners_statistics():
    """`ALTER COLUMN … TYPE` drops a column's statistics; without them for weeks, plans go wrong."""
    ListedNumberFactory.create_batch(20)
    executor = MigrationExecutor(connection)
    executor.migrate([("directory", "0008_import_uploads_uncompressed")])
    executor.loader.build_graph()
    executor.migrate([("directory", "0009_numbers_compared_bytewise")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'directory_listednumber' AND attname = 'e164'")
        assert cursor.fetchone() == (1,)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def hot_updates() -> tuple[int, int]:
    """The directory's numbers updated in this transaction, and of those, updated in place (without index writes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'directory_listednumber'"
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_an_import_updates_the_contact_summaries_in_place():
    """An import updates hundreds of thousands of summaries: an index on them, or full pages, would double the work."""
    numbers = ListedNumberFactory.create_batch(3)
    operation = OperationFactory(name="Op")
    for number in numbers:
        ContactFactory(number=number, operation=operation, occurred_at=datetime(2024, 3, 1, tzinfo=UTC))
    refresh_contact_summary(number.pk for number in numbers)
    before = hot_updates()
    lines = [f"{number.e164},2024-03-0{day}T10:00:00Z,call,Op" for day, number in enumerate(numbers, start=2)]
    import_contacts(("number,occurred_at,channel,operation\n" + "\n".join(lines) + "\n").encode())
    updated, in_place = (after - first for after, first in zip(hot_updates(), before, strict=True))
    assert updated == in_place == 3
