from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Create an API key for a member and print it once."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until the key expires.")
        parser.add_argument("--name", default="Operator key")

    def handle(self, *args, email: str, expires_days: int | None, name: str, **options):
        user = User.objects.filter(email=email.lower()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        try:
            api_key, key = services.create_api_key(user=user, name=name, expires_in_days=expires_days)
        except services.AccessError as error:
            raise CommandError(str(error)) from None
        expiry = f", expires {api_key.expiry_date:%Y-%m-%d}" if api_key.expiry_date else ""
        self.stderr.write(f"API key for {user.email} (role {user.membership.role}{expiry}). It is shown only once:")
        self.stdout.write(key)
