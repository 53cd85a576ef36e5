from django.core.management.base import BaseCommand
from django.db import transaction

from front import demo


class Command(BaseCommand):
    help = "Create the synthetic demo data on first run, then print the demo logins."

    def handle(self, *args, **options):
        logins = demo.logins_file()
        if not demo.demo_exists():
            password = demo.new_password()
            with transaction.atomic():
                demo.create_demo(password)
            emails = [email for email, _ in demo.DEMO_MEMBERS] + [demo.CURATOR_EMAIL]
            lines = [f"  {email:<24} {password}" for email in emails]
            logins.write_text("\n".join(lines) + "\n")
            logins.chmod(0o600)
        self.stdout.write("Demo logins (synthetic data only; every account has the same password):")
        self.stdout.write(logins.read_text() if logins.exists() else "  (demo data exists; passwords were not kept)\n")
