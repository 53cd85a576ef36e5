import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import sms
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from tests.factories import CuratorFactory, MembershipFactory, OrganizationFactory, StaffFactory, UserFactory

SAMPLES = Path(__file__).resolve().parent / "samples"
REAL_SERVERS = os.environ.get("REAL_SERVERS") == "1"


def pytest_collection_modifyitems(config, items):
    if REAL_SERVERS:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise pytest.UsageError("REAL_SERVERS=1 needs DATABASE_URL pointing at PostgreSQL")
        return
    skip = pytest.mark.skip(reason="needs the real servers of .ci/run's second pass (REAL_SERVERS=1)")
    for item in items:
        if "real_servers" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def sms_outbox() -> list:
    """Text messages the locmem backend sent during the test, as mail.outbox holds emails."""
    sms.outbox = []
    return sms.outbox


@pytest.fixture
def limits_clock_stands_still(monkeypatch):
    """The rate limits' clock stops mid-minute, so a test's requests cannot straddle two clock minutes or hours."""
    now = timezone.now().replace(minute=30, second=30)
    monkeypatch.setattr("lib.limits.timezone", SimpleNamespace(now=lambda: now))


@pytest.fixture
def samples() -> Path:
    """The shared sample files: company lists, a directory to import and expected outcomes."""
    return SAMPLES


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def curator(db):
    """Staff with the curators' model permissions, not a superuser."""
    return CuratorFactory()


@pytest.fixture
def legal(org):
    return MembershipFactory(organization=org, role=Membership.Role.LEGAL).user


@pytest.fixture
def hr(org):
    return MembershipFactory(organization=org, role=Membership.Role.HR).user


@pytest.fixture
def org_admin(org):
    return MembershipFactory(organization=org, role=Membership.Role.ADMIN).user


@pytest.fixture
def outsider(db):
    """A signed-in user of no organization."""
    return UserFactory()


@pytest.fixture
def as_member(api_client):
    """`as_member(user)` is the API client authenticated as that user."""

    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login
