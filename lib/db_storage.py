"""How PostgreSQL stores the large values the product writes once, reads once and deletes.

PostgreSQL compresses every large value as it writes it (TOAST's pglz). A list of phone numbers,
mostly random digits, compresses slowly and little: a 23 MB upload spent 0.6 of the 1.1 s its
`INSERT` took compressing it, inside the upload request, and a screening's chunks cost as much
again while its file was split. These values live for minutes, so they are stored as they come.
"""

from django.db import migrations


def stored_uncompressed(table: str, *columns: str) -> migrations.RunPython:
    """A migration operation: store these columns' new values uncompressed (PostgreSQL's STORAGE
    EXTERNAL, still out of line); nothing on other databases."""

    def set_storage(storage: str):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            quote = schema_editor.quote_name
            for column in columns:
                schema_editor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET STORAGE {storage}")

        return run

    return migrations.RunPython(set_storage("EXTERNAL"), set_storage("EXTENDED"))
