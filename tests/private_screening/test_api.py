from datetime import timedelta

import private_set_intersection.python as psi
import pytest
from django.utils import timezone

from audit.models import AuditEvent
from private_screening.models import PrivateSetup
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SETUP_URL = "/api/v1/private-screenings/setup/"
REQUEST_URL = "/api/v1/private-screenings/"
CONFIRM_URL = "/api/v1/private-screenings/confirm/"
BINARY = "application/octet-stream"


def blinded(*numbers: str) -> bytes:
    return psi.client.CreateWithNewKey(True).CreateRequest(list(numbers)).SerializeToString()


def test_the_setup_has_an_etag_and_an_unchanged_one_is_not_sent_again(as_member, hr, directory, build_setup):
    build_setup()
    client = as_member(hr)
    first = client.get(SETUP_URL)
    assert first.status_code == 200 and first["Content-Type"] == BINARY
    again = client.get(SETUP_URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    build_setup()
    assert client.get(SETUP_URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_without_a_setup_the_answer_is_503_and_a_build_starts(
    as_member, hr, directory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_member(hr).get(SETUP_URL)
    assert response.status_code == 503 and response["Retry-After"]
    assert PrivateSetup.objects.filter(status=PrivateSetup.Status.READY).exists()


def test_a_new_key_makes_the_old_setup_unusable(as_member, hr, directory, build_setup, settings):
    build_setup()
    settings.PSI_KEY_BYTES = bytes(range(32))
    assert as_member(hr).get(SETUP_URL).status_code == 503


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a protobuf \xff\xff",
        psi.Request(reveal_intersection=True, encrypted_elements=[b"junk"]).SerializeToString(),
    ],
    ids=["empty", "not protobuf", "not a point"],
)
def test_a_malformed_request_is_a_400(as_member, hr, body):
    response = as_member(hr).generic("POST", REQUEST_URL, body, BINARY)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_request_that_does_not_ask_for_the_intersection_is_a_400(as_member, hr):
    request = psi.client.CreateWithNewKey(False).CreateRequest(["+12065550100"]).SerializeToString()
    assert as_member(hr).generic("POST", REQUEST_URL, request, BINARY).status_code == 400


def test_too_many_numbers_in_one_request_is_a_400(as_member, hr, settings):
    settings.PSI_REQUEST_MAX_NUMBERS = 2
    response = as_member(hr).generic(
        "POST", REQUEST_URL, blinded("+12065550100", "+12065550101", "+12065550102"), BINARY
    )
    assert response.status_code == 400


def test_the_answer_has_one_element_per_number(as_member, hr):
    response = as_member(hr).generic("POST", REQUEST_URL, blinded("+12065550100", "+12065550101"), BINARY)
    assert response.status_code == 200
    assert len(psi.Response.FromString(response.content).encrypted_elements) == 2
    assert response["Private-Screening-Key"]


def test_only_hr_and_admin_members_may_use_it(as_member, hr, org_admin, legal, outsider, staff, api_client):
    for user in (hr, org_admin):
        assert as_member(user).generic("POST", REQUEST_URL, blinded("+12065550100"), BINARY).status_code == 200
    for user in (legal, outsider, staff):
        assert as_member(user).generic("POST", REQUEST_URL, blinded("+12065550100"), BINARY).status_code == 403
        assert as_member(user).get(SETUP_URL).status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(SETUP_URL).status_code in (401, 403)


def test_past_the_daily_quota_the_answer_is_429(as_member, hr):
    organization = hr.membership.organization
    organization.daily_screening_row_quota = 1
    organization.save()
    response = as_member(hr).generic("POST", REQUEST_URL, blinded("+12065550100", "+12065550101"), BINARY)
    assert response.status_code == 429 and response["Retry-After"]
    assert OrganizationFactory  # another organization's quota is its own (see test_protocol)


def test_each_number_sent_blinded_is_confirmed_at_most_once_whatever_the_day(as_member, hr, monkeypatch):
    """Confirming is no way around the lookup limits: a number confirmed was paid for, once."""
    client = as_member(hr)
    numbers = ["+12065550100", "+12065550101", "+12065550102"]
    refused = client.post(CONFIRM_URL, {"numbers": numbers}, format="json")
    assert refused.status_code == 429
    assert AuditEvent.objects.filter(action="private_screening.confirm_refused", detail__numbers=3).exists()

    assert client.generic("POST", REQUEST_URL, blinded(*numbers[:2]), BINARY).status_code == 200
    assert client.post(CONFIRM_URL, {"numbers": numbers}, format="json").status_code == 429
    confirmed = client.post(CONFIRM_URL, {"numbers": numbers[:2]}, format="json")
    assert confirmed.status_code == 200 and [result["e164"] for result in confirmed.json()["results"]] == numbers[:2]
    assert client.post(CONFIRM_URL, {"numbers": numbers[:1]}, format="json").status_code == 429
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert client.post(CONFIRM_URL, {"numbers": numbers[:1]}, format="json").status_code == 429
