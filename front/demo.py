"""Synthetic demo data: fictional numbers only (NANP 555-01xx, Ofcom drama and ACMA fiction ranges)."""

import random
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationDomain, User
from accounts.services import grant_curation
from directory.models import Contact, ListedNumber, Operation
from directory.services import get_or_create_number, refresh_contact_summary

DEMO_ORG_DOMAIN = "example.com"
DEMO_MEMBERS = [
    ("admin@example.com", Membership.Role.ADMIN),
    ("hr@example.com", Membership.Role.HR),
    ("legal@example.com", Membership.Role.LEGAL),
]
CURATOR_EMAIL = "curator@example.org"
AREA_CODES = ["206", "253", "312", "415", "509", "702", "212", "617"]
OPERATIONS = [
    ("Seattle Summer 2023", "King County Sheriff's Office", "Seattle", "WA", "US", date(2023, 6, 1)),
    ("Spokane 2024", "Spokane Police Department", "Spokane", "WA", "US", date(2024, 2, 1)),
    ("Chicago Winter 2024", "Cook County Sheriff", "Chicago", "IL", "US", date(2024, 12, 1)),
    ("London Spring 2025", "Metropolitan Police", "London", "England", "GB", date(2025, 3, 1)),
]


def fictional_numbers() -> list[str]:
    us = [f"+1{area}55501{n:02d}" for area in AREA_CODES for n in range(0, 100, 7)]
    uk = [f"+447700900{n:03d}" for n in range(0, 1000, 97)]
    au = [f"+61491570{n:03d}" for n in range(100, 160, 13)]
    return us + uk + au


def demo_exists() -> bool:
    return User.objects.filter(email=CURATOR_EMAIL).exists()


def create_demo(password: str) -> None:
    rng = random.Random(2026)  # noqa: S311 - synthetic demo data  # nosec B311
    org = Organization.objects.create(
        name="Example Corp", status=Organization.Status.APPROVED, approved_at=timezone.now()
    )
    OrganizationDomain.objects.create(organization=org, domain=DEMO_ORG_DOMAIN, verified_at=timezone.now())
    for email, role in DEMO_MEMBERS:
        user = User.objects.create_user(email=email, password=password, full_name=f"Demo {role.label}")
        Membership.objects.create(user=user, organization=org, role=role)
    curator = User.objects.create_user(email=CURATOR_EMAIL, password=password, full_name="Demo Curator", is_staff=True)
    grant_curation(curator)
    operations = [
        Operation.objects.create(
            name=name,
            partner_agency=agency,
            city=city,
            region=region,
            country=country,
            started_on=start,
            ended_on=start + timedelta(days=45),
            description=f"Decoy-ad operation in {city}.",
        )
        for name, agency, city, region, country, start in OPERATIONS
    ]
    for e164 in fictional_numbers():
        number, _ = get_or_create_number(e164)
        for _ in range(rng.randint(1, 4)):
            operation = rng.choice(operations)
            occurred = timezone.make_aware(
                timezone.datetime.combine(
                    operation.started_on + timedelta(days=rng.randint(0, 44)), timezone.datetime.min.time()
                )
                + timedelta(minutes=rng.randint(0, 1439))
            )
            Contact.objects.get_or_create(
                number=number, operation=operation, occurred_at=occurred, channel=rng.choice(Contact.Channel.values)
            )
    refresh_contact_summary(ListedNumber.objects.values_list("pk", flat=True))


def new_password() -> str:
    return f"demo-{secrets.token_urlsafe(9)}"


def logins_file():
    return settings.VAR_DIR / "demo-logins.txt"
