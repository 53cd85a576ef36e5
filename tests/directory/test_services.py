from datetime import UTC, date, datetime

import pytest

from audit.models import AuditEvent
from directory import services
from directory.models import ListedNumber
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory, StaffFactory

pytestmark = pytest.mark.django_db


def at(day: int) -> datetime:
    return datetime(2024, 1, day, 12, tzinfo=UTC)


def summary(number: ListedNumber):
    number.refresh_from_db()
    return number.first_contact_at, number.last_contact_at, number.contact_count


def test_summary_follows_contacts_added_changed_and_deleted():
    operation = OperationFactory()
    curator = StaffFactory()
    first = services.create_contact(
        e164="+12065550100", operation=operation, occurred_at=at(5), channel="call", actor=curator
    )
    number = first.number
    assert summary(number) == (at(5), at(5), 1)

    second = services.create_contact(e164="+12065550100", operation=operation, occurred_at=at(9), channel="text")
    assert summary(number) == (at(5), at(9), 2)

    second.occurred_at = at(2)
    services.save_contact(contact=second)
    assert summary(number) == (at(2), at(5), 2)

    services.delete_contacts(contacts=[second])
    assert summary(number) == (at(5), at(5), 1)

    services.delete_contacts(contacts=[first])
    assert summary(number) == (None, None, 0)


def test_a_contact_is_saved_only_within_its_operations_dates():
    operation = OperationFactory(name="January", started_on=date(2024, 1, 2), ended_on=date(2024, 1, 30))
    with pytest.raises(services.DirectoryError, match=r"^This contact occurred 2024-01-31 \(UTC\), outside operation"):
        services.create_contact(e164="+12065550100", operation=operation, occurred_at=at(31), channel="call")
    contact = services.create_contact(e164="+12065550100", operation=operation, occurred_at=at(30), channel="call")
    contact.occurred_at = at(1)
    with pytest.raises(services.DirectoryError, match="outside operation 'January' "):
        services.save_contact(contact=contact)


def test_moving_a_contact_to_another_number_updates_both():
    contact = ContactFactory(number=ListedNumberFactory(e164="+12065550101"), occurred_at=at(3))
    services.refresh_contact_summary([contact.number_id])
    old = contact.number
    new, _ = services.get_or_create_number("+12065550102")

    contact.number = new
    services.save_contact(contact=contact)

    assert summary(old) == (None, None, 0)
    assert summary(new) == (at(3), at(3), 1)


def test_new_numbers_get_region_and_type():
    number, created = services.get_or_create_number("+447400123456")
    assert created
    assert (number.region, number.number_type) == ("GB", "mobile")


def test_removal_needs_a_reason_and_is_audited_and_kept_in_history():
    number = ListedNumberFactory()
    with pytest.raises(services.DirectoryError, match="reason"):
        services.set_number_status(number=number, status=ListedNumber.Status.REMOVED, reason=" ")

    services.set_number_status(number=number, status=ListedNumber.Status.REMOVED, reason="Reassigned in 2023")

    number.refresh_from_db()
    assert number.status == ListedNumber.Status.REMOVED
    assert number.history.first().status_reason == "Reassigned in 2023"
    event = AuditEvent.objects.get(action="directory.number_status_changed")
    assert event.detail == {"from": "listed", "to": "removed"}
    assert number.e164 not in str(event.detail) and event.number_hash


def test_only_listed_numbers_are_matchable():
    listed = ListedNumberFactory()
    ListedNumberFactory(status=ListedNumber.Status.UNDER_REVIEW)
    ListedNumberFactory(status=ListedNumber.Status.REMOVED)
    assert list(ListedNumber.objects.matchable()) == [listed]


def test_deleting_the_curator_who_recorded_a_contact_keeps_the_contact():
    curator = StaffFactory()
    contact = ContactFactory(recorded_by=curator)
    curator.delete()
    contact.refresh_from_db()
    assert contact.recorded_by is None
