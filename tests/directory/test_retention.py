from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from directory.models import Contact, ListedNumber
from directory.retention import purge_expired_directory
from directory.services import refresh_contact_summary
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # seven years back: 2019-06-01 12:00


@pytest.fixture
def numbers():
    old_only = ListedNumberFactory(e164="+12065550100")
    mixed = ListedNumberFactory(e164="+12065550101")
    disputed = ListedNumberFactory(e164="+12065550102", status="under_review")
    ContactFactory(number=old_only, occurred_at=datetime(2019, 6, 1, 11, 59, tzinfo=UTC))
    ContactFactory(number=mixed, occurred_at=datetime(2019, 1, 1, tzinfo=UTC))
    ContactFactory(number=mixed, occurred_at=datetime(2019, 6, 1, 12, 0, tzinfo=UTC))  # exactly at the cutoff: kept
    ContactFactory(number=disputed, occurred_at=datetime(2018, 1, 1, tzinfo=UTC))
    refresh_contact_summary(ListedNumber.objects.values_list("pk", flat=True))
    return old_only, mixed, disputed


def test_deletes_exactly_what_is_older_than_the_cutoff(numbers):
    old_only, mixed, disputed = numbers
    report = purge_expired_directory(now=NOW)
    assert (report.contacts, report.numbers) == (3, 1)
    assert list(Contact.objects.values_list("occurred_at", flat=True)) == [datetime(2019, 6, 1, 12, 0, tzinfo=UTC)]
    assert set(ListedNumber.objects.values_list("e164", flat=True)) == {mixed.e164, disputed.e164}
    mixed.refresh_from_db()
    assert mixed.contact_count == 1
    assert not Contact.history.filter(occurred_at__lt=datetime(2019, 6, 1, 12, 0, tzinfo=UTC)).exists()


def test_dry_run_changes_nothing(numbers):
    report = purge_expired_directory(dry_run=True, now=NOW)
    assert (report.contacts, report.numbers) == (3, 1)
    assert Contact.objects.count() == 4


def test_command_prints_what_it_removed(numbers, capsys, settings):
    settings.RETENTION_YEARS = 1
    call_command("purge_expired", "--dry-run")
    assert "Would delete 4 contact(s)" in capsys.readouterr().out
    call_command("purge_expired")
    assert "Deleted 4 contact(s)" in capsys.readouterr().out
    assert Contact.objects.count() == 0
