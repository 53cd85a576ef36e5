from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from directory.models import Contact, ListedNumber
from tests.factories import ContactFactory, ListedNumberFactory, MembershipFactory, OperationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize("term", ["(206) 555-0123", "206.555.0123", "+1 206 555 0123", "12065550123"])
def test_admin_search_accepts_any_format(curator_client, term):
    ListedNumberFactory(e164="+12065550123")
    ListedNumberFactory(e164="+12065550124")
    response = curator_client.get(reverse("admin:directory_listednumber_changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("e164", flat=True)) == ["+12065550123"]


def test_contact_admin_search_accepts_any_format(curator_client):
    contact = ContactFactory(number=ListedNumberFactory(e164="+12065550123"))
    ContactFactory(number=ListedNumberFactory(e164="+12065550199"))
    response = curator_client.get(reverse("admin:directory_contact_changelist"), {"q": "(206) 555-0123"})
    assert list(response.context["cl"].result_list) == [contact]


def test_filters_by_status_and_operation(curator_client):
    operation = OperationFactory()
    wanted = ContactFactory(operation=operation).number
    ContactFactory()
    ListedNumberFactory(status=ListedNumber.Status.REMOVED)
    response = curator_client.get(
        reverse("admin:directory_listednumber_changelist"), {"status__exact": "listed", "operation": operation.pk}
    )
    assert list(response.context["cl"].result_list) == [wanted]


def test_adding_a_number_in_any_format_stores_e164(curator_client):
    response = curator_client.post(
        reverse("admin:directory_listednumber_add"),
        {
            "e164": "(415) 555-0142",
            "status": "listed",
            "status_reason": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    number = ListedNumber.objects.get()
    assert (number.e164, number.region) == ("+14155550142", "US")
    assert AuditEvent.objects.filter(action="directory.number_added").exists()


def contact_fields(operation, day: str, prefix: str = "") -> dict:
    """A contact as the admin's form posts it, on `day` at 10:00, inline when `prefix` names its form."""
    fields = {
        "occurred_at_0": day,
        "occurred_at_1": "10:00:00",
        "channel": "text",
        "operation": operation.pk,
        "case_reference": "",
        "notes": "",
    }
    return {prefix + name: value for name, value in fields.items()}


def add_inline_contact(client, number, operation, day: str):
    """Post the number's page with one new contact in its inline."""
    return client.post(
        reverse("admin:directory_listednumber_change", args=[number.pk]),
        {
            "e164": number.e164,
            "status": "listed",
            "status_reason": "",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            **contact_fields(operation, day, prefix="contacts-0-"),
        },
    )


def test_inline_contacts_keep_the_summary_right(curator_client):
    number = ListedNumberFactory()
    response = add_inline_contact(curator_client, number, OperationFactory(), "2024-05-01")
    assert response.status_code == 302, response.context["errors"] if response.context else response
    number.refresh_from_db()
    assert number.contact_count == 1
    assert Contact.objects.get().recorded_by.is_staff


def test_actions_move_status_and_removal_asks_for_a_reason(curator_client):
    numbers = [ListedNumberFactory(), ListedNumberFactory()]
    url = reverse("admin:directory_listednumber_changelist")
    selected = [n.pk for n in numbers]

    curator_client.post(url, {"action": "mark_under_review", "_selected_action": selected})
    assert set(ListedNumber.objects.values_list("status", flat=True)) == {"under_review"}

    page = curator_client.post(url, {"action": "remove_with_reason", "_selected_action": selected})
    assert page.status_code == 200 and b"reason" in page.content
    assert set(ListedNumber.objects.values_list("status", flat=True)) == {"under_review"}

    curator_client.post(url, {"action": "remove_with_reason", "_selected_action": selected, "reason": "Reassigned"})
    assert set(ListedNumber.objects.values_list("status_reason", flat=True)) == {"Reassigned"}
    assert set(ListedNumber.objects.values_list("status", flat=True)) == {"removed"}

    curator_client.post(url, {"action": "relist", "_selected_action": selected})
    assert set(ListedNumber.objects.values_list("status", flat=True)) == {"listed"}


def test_history_is_shown_and_cannot_be_reverted(curator_client):
    number = ListedNumberFactory()
    number.status = ListedNumber.Status.UNDER_REVIEW
    number.save()
    response = curator_client.get(reverse("admin:directory_listednumber_history", args=[number.pk]))
    assert response.status_code == 200
    statuses = [record.status for record in response.context["page_obj"]]
    assert statuses == ["under_review", "listed"]
    assert response.context["revert_disabled"]


def test_org_members_cannot_reach_the_admin(client):
    client.force_login(MembershipFactory(role="admin").user)
    response = client.get(reverse("admin:directory_listednumber_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


SPOKANE_REFUSAL = "This contact occurred 2019-02-01 (UTC), outside operation 'Spokane 2024' (2024-02-01 – 2024-03-17)."


@pytest.fixture
def spokane():
    return OperationFactory(name="Spokane 2024", started_on=date(2024, 2, 1), ended_on=date(2024, 3, 17))


def test_a_contact_added_outside_its_operations_dates_is_refused_on_the_form(curator_client, spokane):
    number = ListedNumberFactory()
    url = reverse("admin:directory_contact_add")
    response = curator_client.post(url, {"number": number.pk, **contact_fields(spokane, "2019-02-01")})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurred_at"] == [SPOKANE_REFUSAL]
    assert not Contact.objects.exists()
    curator_client.post(url, {"number": number.pk, **contact_fields(spokane, "2024-02-01")})
    assert Contact.objects.count() == 1


def test_an_inline_contact_outside_its_operations_dates_is_refused(curator_client, spokane):
    response = add_inline_contact(curator_client, ListedNumberFactory(), spokane, "2019-02-01")
    assert response.status_code == 200
    assert SPOKANE_REFUSAL in response.content.decode().replace("&#x27;", "'")
    assert not Contact.objects.exists()


def test_a_contact_an_import_accepted_outside_the_dates_keeps_them_when_edited(curator_client, spokane):
    contact = ContactFactory(operation=spokane, occurred_at=datetime(2019, 2, 1, 10, tzinfo=UTC))
    fields = {"number": contact.number.pk, **contact_fields(spokane, "2019-02-01"), "notes": "Checked again"}
    response = curator_client.post(reverse("admin:directory_contact_change", args=[contact.pk]), fields)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.notes == "Checked again"


def test_a_contact_with_a_fraction_of_a_second_keeps_it_when_only_its_notes_change(curator_client, spokane):
    """The form shows whole seconds; an imported time outside the operation's dates is not 'changed' by that."""
    stored_at = datetime(2019, 2, 1, 10, 0, 0, 500000, tzinfo=UTC)
    contact = ContactFactory(operation=spokane, occurred_at=stored_at)
    fields = {"number": contact.number.pk, **contact_fields(spokane, "2019-02-01"), "notes": "Checked again"}
    response = curator_client.post(reverse("admin:directory_contact_change", args=[contact.pk]), fields)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.notes, contact.occurred_at) == ("Checked again", stored_at)
