from django.db import migrations

from lib.db_storage import stored_uncompressed


class Migration(migrations.Migration):
    dependencies = [
        ("screenings", "0014_chunk_first_numbers_as_integers"),
    ]

    operations = [
        stored_uncompressed("screenings_screeningupload", "content"),
        stored_uncompressed("screenings_screeningdraft", "content"),
        stored_uncompressed("screenings_screeningchunk", "content", "first_rows", "first_numbers_packed"),
    ]
