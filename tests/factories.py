from datetime import UTC, datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationDomain, User
from accounts.services import grant_curation
from directory.matching import Outcome
from directory.models import Contact, ListedNumber, Operation
from lib.phone import describe

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"curator{n}@example.org")
    is_staff = True
    is_superuser = True


class CuratorFactory(UserFactory):
    """Staff who curate the directory and decide disputes, with model permissions, not a superuser."""

    class Meta:
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"desk{n}@example.org")
    is_staff = True

    @factory.post_generation
    def permissions(user, create, extracted, **kwargs):
        grant_curation(user)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")
    status = Organization.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)
    domain = factory.RelatedFactory(
        "tests.factories.DomainFactory",
        factory_related_name="organization",
        domain=factory.LazyAttribute(lambda o: f"{o.factory_parent.name.lower().replace(' ', '')}.example"),
    )


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationDomain

    organization = factory.SubFactory(OrganizationFactory)
    domain = factory.Sequence(lambda n: f"domain{n}.example")
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.LEGAL


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    name = factory.Sequence(lambda n: f"Operation {n}")
    partner_agency = "County Sheriff"
    city = "Seattle"
    region = "WA"
    country = "US"


class ListedNumberFactory(factory.django.DjangoModelFactory):
    """A listed number whose region and type are described from the number, as the directory stores them."""

    class Meta:
        model = ListedNumber

    e164 = factory.Sequence(lambda n: f"+1206555{n % 10000:04d}")
    region = factory.LazyAttribute(lambda number: describe(number.e164)[0])
    number_type = factory.LazyAttribute(lambda number: describe(number.e164)[1])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    number = factory.SubFactory(ListedNumberFactory)
    operation = factory.SubFactory(OperationFactory)
    occurred_at = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    channel = Contact.Channel.CALL
    case_reference = "CASE-SECRET-1"
    notes = "internal note"


class ScreeningFactory(factory.django.DjangoModelFactory):
    """A screening of as many rows as its counts add up to (none by default); `finished=True` ends it now."""

    class Meta:
        model = "screenings.Screening"

    class Params:
        finished = factory.Trait(finished_at=factory.LazyFunction(timezone.now))

    organization = factory.SubFactory(OrganizationFactory)
    filename = "phones.csv"
    region = "US"
    status = "done"
    counts = factory.LazyFunction(lambda: dict.fromkeys(Outcome.ALL, 0))
    total_rows = factory.LazyAttribute(lambda screening: sum(screening.counts.values()))


class ScreeningResultFactory(factory.django.DjangoModelFactory):
    """A stored row of a screening; a match by default, with evidence.

    The traits store the other outcomes: `invalid=True` (a number too short), `duplicate=True` (give its
    `first_row`) and `outside_window=True`, the window held from 2025-01-01 and the number's `contacts`
    (first, last) before it.
    """

    class Meta:
        model = "screenings.ScreeningResult"

    class Params:
        contacts = ("2024-01-05", "2024-03-01")
        invalid = factory.Trait(outcome="invalid", e164="", reason="too short", evidence=None)
        duplicate = factory.Trait(outcome="duplicate", evidence=None)
        outside_window = factory.Trait(
            outcome="outside_window",
            evidence=None,
            detail=factory.LazyAttribute(
                lambda result: {
                    "assigned_from": "2025-01-01",
                    "assigned_to": None,
                    "first_contact": result.contacts[0],
                    "last_contact": result.contacts[1],
                }
            ),
        )

    screening = factory.SubFactory(ScreeningFactory)
    chunk_index = 0
    row = factory.Sequence(lambda n: n + 2)
    input = factory.LazyAttribute(lambda result: result.e164)
    label = factory.Sequence(lambda n: f"E-{n}")
    e164 = factory.Sequence(lambda n: f"+1312555{n % 10000:04d}")
    outcome = "match"
    evidence = factory.LazyAttribute(
        lambda result: {
            "e164": result.e164,
            "first_contact": "2024-01-05",
            "last_contact": "2024-03-01",
            "contact_count": 2,
            "channels": ["call", "text"],
            "operations": [{"jurisdiction": "Seattle, WA, US", "started_on": "2024-01-01", "ended_on": "2024-03-31"}],
        }
    )
