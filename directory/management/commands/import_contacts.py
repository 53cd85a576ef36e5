from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importing import import_contacts
from lib.tabular import UnreadableFile


class Command(BaseCommand):
    help = "Import contacts from a CSV file (number, occurred_at, channel, operation) and print a per-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            report = import_contacts(data, filename=file.name)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        for row in report.rows:
            if row.outcome != "added" or row.message:
                self.stdout.write(f"row {row.row}: {row.outcome} {row.number} {row.message}".rstrip())
        added, skipped, rejected = report.counts.values()
        summary = f"{added} added, {skipped} skipped as already present, {rejected} rejected"
        self.stdout.write(self.style.SUCCESS(summary))
