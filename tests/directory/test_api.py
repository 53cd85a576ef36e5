from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import Contact, ListedNumber
from tests.factories import ContactFactory, ListedNumberFactory, MembershipFactory, OperationFactory, StaffFactory

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


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("/api/v1/numbers/", ListedNumberFactory),
        ("/api/v1/operations/", OperationFactory),
        ("/api/v1/contacts/", ContactFactory),
    ],
)
@pytest.mark.parametrize("rows", [3, 30])
def test_staff_lists_cost_a_count_and_a_page_whatever_their_length(
    api_client, staff, django_assert_num_queries, url, factory, rows
):
    api_client.force_authenticate(staff)
    factory.create_batch(rows)
    with django_assert_num_queries(2):
        assert api_client.get(url).json()["count"] == rows


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


def test_a_contact_outside_its_operations_dates_is_a_400_with_the_reason(staff_api):
    spokane = OperationFactory(name="Spokane 2024", started_on=date(2024, 2, 1), ended_on=date(2024, 3, 17))
    contact = {"number": "(206) 555-0142", "operation": spokane.pk, "occurred_at": "2019-02-01T12:00:00Z"}
    response = staff_api.post("/api/v1/contacts/", {**contact, "channel": "call"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "occurred_at: This contact occurred 2019-02-01 (UTC), "
        "outside operation 'Spokane 2024' (2024-02-01 – 2024-03-17)."
    )
    assert not Contact.objects.exists()

    added = ContactFactory(operation=spokane, occurred_at="2024-02-01T12:00:00Z")
    url = f"/api/v1/contacts/{added.pk}/"
    assert staff_api.patch(url, {"occurred_at": "2024-03-18T12:00:00Z"}, format="json").status_code == 400
    assert staff_api.patch(url, {"occurred_at": "2024-03-17T12:00:00Z"}, format="json").status_code == 200


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


def staff_holding(*codenames):
    """A staff user (not a superuser) with exactly these Django model permissions."""
    user = StaffFactory(is_superuser=False)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_without_permissions_can_neither_read_nor_change_the_directory(api_client):
    """The admin refused them (403) while the staff API let them read case notes and PATCH numbers."""
    number = ContactFactory().number
    api_client.force_authenticate(staff_holding())
    assert api_client.get("/api/v1/numbers/").status_code == 403
    assert api_client.get("/api/v1/contacts/").status_code == 403
    response = api_client.patch(f"/api/v1/numbers/{number.pk}/", {"status": "under_review"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only site staff with the matching permission in the admin may do this."
    number.refresh_from_db()
    assert number.status == ListedNumber.Status.LISTED


def test_the_staff_api_asks_the_admins_permission_for_each_act(api_client):
    number = ListedNumberFactory()
    url = f"/api/v1/numbers/{number.pk}/"
    api_client.force_authenticate(staff_holding("view_listednumber"))
    assert api_client.get(url).status_code == 200
    assert api_client.patch(url, {"status": "under_review"}, format="json").status_code == 403
    assert api_client.post("/api/v1/numbers/", {"e164": "+447400123456"}, format="json").status_code == 403
    api_client.force_authenticate(staff_holding("change_listednumber"))
    assert api_client.get(url).status_code == 200
    assert api_client.patch(url, {"status": "under_review"}, format="json").status_code == 200
    api_client.force_authenticate(staff_holding("add_listednumber"))
    assert api_client.post("/api/v1/numbers/", {"e164": "+447400123456"}, format="json").status_code == 201


def test_the_contact_import_needs_the_permission_to_add_contacts(api_client, samples):
    upload = (samples / "contacts.csv").read_bytes()
    api_client.force_authenticate(staff_holding("view_contact", "change_contact"))
    refused = api_client.post(
        "/api/v1/contacts/import/", {"file": SimpleUploadedFile("c.csv", upload)}, format="multipart"
    )
    assert refused.status_code == 403
    assert not Contact.objects.exists()
    api_client.force_authenticate(staff_holding("add_contact"))
    response = api_client.post(
        "/api/v1/contacts/import/", {"file": SimpleUploadedFile("c.csv", upload)}, format="multipart"
    )
    assert response.status_code == 202  # queued as a job
