import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Contact, ListedNumber
from tests.factories import ContactFactory, ListedNumberFactory, MembershipFactory, OperationFactory

pytestmark = pytest.mark.django_db

CURATION_URLS = ["/api/v1/numbers/", "/api/v1/operations/", "/api/v1/contacts/"]


@pytest.fixture
def staff_api(api_client, staff):
    api_client.force_authenticate(staff)
    return api_client


@pytest.mark.parametrize("url", [*CURATION_URLS, "/api/v1/contacts/import/"])
def test_anonymous_users_get_401(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("role", ["legal", "hr", "admin"])
@pytest.mark.parametrize("url", CURATION_URLS)
def test_org_members_of_every_role_get_403(api_client, role, url):
    api_client.force_authenticate(MembershipFactory(role=role).user)
    assert api_client.get(url).status_code == 403
    assert api_client.post(url, {}, format="json").status_code == 403


@pytest.mark.parametrize("url", CURATION_URLS)
def test_staff_can_list(staff_api, url):
    assert staff_api.get(url).status_code == 200


def test_numbers_filter_by_status_region_and_number_in_any_format(staff_api):
    ListedNumberFactory(e164="+12065550123")
    ListedNumberFactory(e164="+12065550124", status=ListedNumber.Status.REMOVED)
    ListedNumberFactory(e164="+447700900123", region="GB")

    def e164s(params):
        return [row["e164"] for row in staff_api.get("/api/v1/numbers/", params).json()["results"]]

    assert e164s({"q": "(206) 555-0123"}) == ["+12065550123"]
    assert e164s({"status": "removed"}) == ["+12065550124"]
    assert e164s({"region": "gb"}) == ["+447700900123"]


def test_contacts_filter_by_operation_channel_and_date_range(staff_api):
    operation = OperationFactory()
    wanted = ContactFactory(operation=operation, channel="text", occurred_at="2024-05-01T10:00:00Z")
    ContactFactory(operation=operation, channel="call", occurred_at="2024-05-01T10:00:00Z")
    ContactFactory(operation=operation, channel="text", occurred_at="2022-05-01T10:00:00Z")
    params = {"operation": operation.pk, "channel": "text", "occurred_after": "2024-01-01T00:00:00Z"}
    rows = staff_api.get("/api/v1/contacts/", params).json()["results"]
    assert [row["id"] for row in rows] == [wanted.pk]


def test_contact_list_query_count_does_not_grow_with_rows(staff_api):
    ContactFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        staff_api.get("/api/v1/contacts/")
    ContactFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        staff_api.get("/api/v1/contacts/")
    assert len(many) == len(few)


def test_staff_create_a_contact_with_a_number_in_any_format(staff_api, staff):
    operation = OperationFactory()
    response = staff_api.post(
        "/api/v1/contacts/",
        {
            "number": "(206) 555-0142",
            "operation": operation.pk,
            "occurred_at": "2024-02-01T12:00:00Z",
            "channel": "call",
            "case_reference": "C-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == "+12065550142"
    number = ListedNumber.objects.get(e164="+12065550142")
    assert number.contact_count == 1
    assert Contact.objects.get().recorded_by == staff


def test_a_bad_number_is_a_400_with_a_plain_detail(staff_api):
    response = staff_api.post(
        "/api/v1/contacts/",
        {
            "number": "2.06555E+09",
            "operation": OperationFactory().pk,
            "occurred_at": "2024-02-01T12:00:00Z",
            "channel": "call",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("number: Not a usable phone number")


def test_patching_a_number_to_removed_needs_a_reason(staff_api):
    number = ListedNumberFactory()
    url = f"/api/v1/numbers/{number.pk}/"
    assert staff_api.patch(url, {"status": "removed"}, format="json").status_code == 400
    response = staff_api.patch(url, {"status": "removed", "status_reason": "Reassigned"}, format="json")
    assert response.status_code == 200
    number.refresh_from_db()
    assert (number.status, number.status_reason) == ("removed", "Reassigned")


def test_numbers_cannot_be_deleted_through_the_api(staff_api):
    number = ListedNumberFactory()
    assert staff_api.delete(f"/api/v1/numbers/{number.pk}/").status_code == 405


def test_staff_add_a_number(staff_api):
    response = staff_api.post("/api/v1/numbers/", {"e164": "+44 7400 123456"}, format="json")
    assert response.status_code == 201
    assert response.json()["e164"] == "+447400123456"
    assert response.json()["region"] == "GB"


def test_contacts_import_endpoint_refuses_a_broken_file(staff_api):
    upload = SimpleUploadedFile("contacts.csv", b"\xff\xfe\x00garbage")
    response = staff_api.post("/api/v1/contacts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"]
