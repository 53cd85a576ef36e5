from django.core.management.base import BaseCommand

from directory.retention import purge_expired_directory
from directory.signals import purge_requested


class Command(BaseCommand):
    help = "Delete contacts past RETENTION_YEARS, numbers left with none, and every app's expired data."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only print what would be deleted.")

    def handle(self, *args, dry_run: bool, **options):
        report = purge_expired_directory(dry_run=dry_run)
        others = [phrase for _, phrase in purge_requested.send(sender=self.__class__, dry_run=dry_run)]
        parts = [
            f"{report.contacts} contact(s) from before {report.cutoff:%Y-%m-%d}",
            f"{report.numbers} number(s) left with no contact",
            *others,
        ]
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {', '.join(parts[:-1])}, and {parts[-1]}.")
