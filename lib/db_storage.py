"""Column settings Django's fields cannot express, made by migrations on PostgreSQL only.

- Large values the product writes once, reads once and deletes within minutes (uploaded files and
  the chunks a screening makes of one) are stored uncompressed. PostgreSQL compresses every large
  value as it writes it (TOAST's pglz); a list of phone numbers, mostly random digits, compresses
  slowly and little: a 23 MB upload spent 0.6 of the 1.1 s its `INSERT` took compressing it, inside
  the upload request, and a screening's chunks cost as much again while its file was split.
- The directory's numbers are compared byte by byte (collation "C"). E.164 text is "+" and digits,
  ordered the same in every collation, but a database created with a language's collation (even
  C.UTF-8 on PostgreSQL 15) compares each pair through the C library's locale rules: a screening
  chunk's 20,000 lookups in the number index took a third longer.
- Rows updated in bulk in place (a listed number's contact summary, after each import batch) leave
  room in each page: PostgreSQL then writes the new version beside the old one without touching
  the table's indexes (a "HOT" update), as long as no indexed column changed.
"""

from collections.abc import Callable

from django.db import migrations


def _on_postgresql(*statements: str) -> Callable:
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def stored_uncompressed(table: str, *columns: str) -> migrations.RunPython:
    """A migration operation: store these columns' new values uncompressed (STORAGE EXTERNAL, still
    out of line)."""

    def alter(storage: str) -> list[str]:
        return [f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STORAGE {storage}' for column in columns]

    return migrations.RunPython(_on_postgresql(*alter("EXTERNAL")), _on_postgresql(*alter("EXTENDED")))


def compared_bytewise(table: str, column: str, column_type: str) -> migrations.RunPython:
    """A migration operation: compare this text column byte by byte. Its indexes are rebuilt, and the
    table analyzed again: changing a column's type drops the planner's statistics of it."""

    def alter(collation: str) -> tuple[str, str]:
        alter_type = f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {column_type} COLLATE "{collation}"'
        return alter_type, f'ANALYZE "{table}"'

    return migrations.RunPython(_on_postgresql(*alter("C")), _on_postgresql(*alter("default")))


def with_room_for_updates(table: str, fillfactor: int) -> migrations.RunPython:
    """A migration operation: fill this table's pages to `fillfactor` percent, leaving the rest for updates.

    Pages written from then on keep the room (VACUUM FULL rewrites those written before).
    """
    return migrations.RunPython(
        _on_postgresql(f'ALTER TABLE "{table}" SET (fillfactor = {fillfactor})'),
        _on_postgresql(f'ALTER TABLE "{table}" RESET (fillfactor)'),
    )
