import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.real_servers]

UNCOMPRESSED = {
    ("screenings_screeningupload", "content"),
    ("screenings_screeningdraft", "content"),
    ("screenings_screeningchunk", "content"),
    ("screenings_screeningchunk", "first_rows"),
    ("screenings_screeningchunk", "first_numbers_packed"),
    ("directory_contactimportfile", "content"),
}


def test_uploads_and_the_work_made_from_them_are_stored_without_compression():
    """PostgreSQL would compress each upload inside its request (0.6 s of a 23 MB list's 1.1 s INSERT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname FROM pg_attribute WHERE attstorage = 'e' AND NOT attisdropped"
        )
        assert set(cursor.fetchall()) >= UNCOMPRESSED


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
