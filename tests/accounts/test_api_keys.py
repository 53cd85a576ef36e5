from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey, Organization
from tests.factories import MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db

STAFF_ONLY_URL = "/api/v1/numbers/"


def call(api_client, key):
    return api_client.get(STAFF_ONLY_URL, HTTP_AUTHORIZATION=f"Api-Key {key}")


@pytest.fixture
def member_key(legal):
    _, key = services.create_api_key(user=legal, name="k")
    return key


def test_a_valid_key_acts_as_its_member(api_client, member_key):
    response = call(api_client, member_key)
    assert response.status_code == 403  # authenticated as a legal member, who is not staff
    assert "staff" in response.json()["detail"]


def test_a_staff_member_key_reaches_staff_endpoints(api_client):
    staff = StaffFactory()
    MembershipFactory(user=staff)
    _, key = services.create_api_key(user=staff, name="k")
    assert call(api_client, key).status_code == 200


@pytest.mark.parametrize("key", ["", "garbage", "abc.def", "Bearer x"])
def test_unknown_keys_are_401(api_client, key):
    response = call(api_client, key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_revoked_key_is_refused(api_client, legal, member_key):
    services.revoke_api_key(api_key=ApiKey.objects.get(user=legal))
    assert call(api_client, member_key).status_code == 401


def test_expired_key_is_refused(api_client, member_key):
    ApiKey.objects.update(expiry_date=timezone.now() - timedelta(seconds=1))
    assert call(api_client, member_key).status_code == 401


def test_suspended_orgs_keys_are_refused_at_once(api_client, org, member_key):
    services.set_organization_status(organization=org, status=Organization.Status.SUSPENDED)
    response = call(api_client, member_key)
    assert response.status_code == 401
    assert "not approved" in response.json()["detail"]


def test_create_api_key_command_prints_the_key_once(capsys, legal):
    call_command("create_api_key", legal.email, "--expires-days", "10")
    out, err = capsys.readouterr()
    key = out.strip()
    api_key = ApiKey.objects.get(user=legal)
    assert key.startswith(api_key.prefix) and api_key.is_valid(key)
    assert "shown only once" in err
    assert (api_key.expiry_date - timezone.now()).days in (9, 10)


def test_create_api_key_command_refuses_non_members(outsider):
    with pytest.raises(CommandError, match="members"):
        call_command("create_api_key", outsider.email)
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_key", "nobody@example.com")
