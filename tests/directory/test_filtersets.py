from datetime import UTC, datetime

import pytest

from directory.api.filters import ContactFilterSet, ListedNumberFilterSet, OperationFilterSet
from directory.models import Contact, ListedNumber, Operation
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.django_db


def e164s(filterset) -> set[str]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("e164", flat=True))


def test_numbers_are_found_by_a_number_in_any_format():
    ListedNumberFactory(e164="+12065550123")
    ListedNumberFactory(e164="+12065550124")
    found = ListedNumberFilterSet({"q": "(206) 555-0123"}, queryset=ListedNumber.objects.all())
    assert e164s(found) == {"+12065550123"}


def test_a_search_that_is_no_number_finds_nothing():
    ListedNumberFactory()
    assert e164s(ListedNumberFilterSet({"q": "555"}, queryset=ListedNumber.objects.all())) == set()


def test_numbers_filter_by_several_statuses():
    ListedNumberFactory(e164="+12065550001", status="listed")
    ListedNumberFactory(e164="+12065550002", status="under_review")
    ListedNumberFactory(e164="+12065550003", status="removed")
    found = ListedNumberFilterSet({"status": ["listed", "removed"]}, queryset=ListedNumber.objects.all())
    assert e164s(found) == {"+12065550001", "+12065550003"}


def test_contacts_filter_by_time_in_any_utc_offset():
    ContactFactory(occurred_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC), case_reference="noon")
    ContactFactory(occurred_at=datetime(2024, 3, 1, 14, 0, tzinfo=UTC), case_reference="later")
    filterset = ContactFilterSet({"occurred_after": "2024-03-01T14:30:00+01:00"}, queryset=Contact.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert set(filterset.qs.values_list("case_reference", flat=True)) == {"later"}


def test_an_out_of_range_date_is_a_form_error_not_a_crash():
    filterset = ContactFilterSet({"occurred_after": "9999-12-31T23:59:59-23:00"}, queryset=Contact.objects.all())
    assert not filterset.is_valid()


def test_operations_filter_by_name_and_country():
    OperationFactory(name="Seattle Summer", country="US")
    OperationFactory(name="London Spring", country="GB")
    filterset = OperationFilterSet({"q": "spring", "country": "gb"}, queryset=Operation.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs.values_list("name", flat=True)) == ["London Spring"]


def test_an_operation_id_too_large_for_the_database_is_a_form_error_not_a_crash():
    """Found by the API fuzzer: a 30-digit operation id crashed SQLite with an OverflowError (a 500)."""
    filterset = ListedNumberFilterSet({"operation": "9" * 30}, queryset=ListedNumber.objects.all())
    assert not filterset.is_valid()
    assert not ContactFilterSet({"operation": "9" * 30}, queryset=Contact.objects.all()).is_valid()
