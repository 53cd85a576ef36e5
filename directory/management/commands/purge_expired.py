from django.core.management.base import BaseCommand

from directory.retention import purge_expired_directory
from screenings.services import purge_expired_screenings


class Command(BaseCommand):
    help = "Delete contacts past RETENTION_YEARS, numbers left with none, and screenings past their retention."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only print what would be deleted.")

    def handle(self, *args, dry_run: bool, **options):
        report = purge_expired_directory(dry_run=dry_run)
        screenings = purge_expired_screenings(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {report.contacts} contact(s) from before {report.cutoff:%Y-%m-%d}, "
            f"{report.numbers} number(s) left with no contact, and {screenings} expired screening(s)."
        )
