from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from directory.importing import create_import, import_contacts
from lib.tabular import UnreadableFile


class Command(BaseCommand):
    help = (
        "Import contacts from a CSV file (number, occurred_at, channel, operation). By default the import is "
        "queued for the Celery workers and the command prints where to follow it; with --wait it runs here "
        "and prints the per-row report."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--wait", action="store_true", help="Import in this process and print the per-row report when done."
        )
        parser.add_argument(
            "--create-operations", action="store_true", help="Create the operations the file names that do not exist."
        )
        parser.add_argument(
            "--allow-outside-operation",
            action="store_true",
            help="Add contacts dated outside their operation's dates, flagged in the report, instead of rejecting.",
        )

    def handle(self, *args, file: Path, wait: bool, create_operations: bool, allow_outside_operation: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        options = {"create_operations": create_operations, "allow_outside_operation": allow_outside_operation}
        try:
            if wait:
                self.print_report(import_contacts(data, filename=file.name, **options))
            else:
                self.print_queued(create_import(data=data, filename=file.name, **options))
        except UnreadableFile as error:
            raise CommandError(str(error)) from None

    def print_report(self, report) -> None:
        for row in report.rows:
            if row.outcome != "added" or row.message:
                self.stdout.write(f"row {row.row}: {row.outcome} {row.number} {row.message}".rstrip())
        added, skipped, rejected = report.counts.values()
        summary = f"{added} added, {skipped} skipped as already present, {rejected} rejected"
        self.stdout.write(self.style.SUCCESS(summary))

    def print_queued(self, contact_import) -> None:
        page = settings.SITE_URL + reverse("admin:directory_contact_import_status", args=[contact_import.pk])
        self.stdout.write(
            self.style.SUCCESS(f"Import {contact_import.pk} queued ({contact_import.total_rows} rows).")
            + f"\nThe workers import it; its progress and report: {page}"
            + f"\nor GET /api/v1/contacts/imports/{contact_import.pk}/"
        )
