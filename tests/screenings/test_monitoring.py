import pytest
from django.core import mail

from audit.models import AuditEvent
from directory.services import create_contact
from lib.hashing import number_hash
from screenings.models import Alert, WatchedNumber
from tests.factories import ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.django_db

SAMPLE_LISTS = ["plain_utf8.csv", "excel_bom_semicolon.csv", "windows.csv", "sheet.xlsx"]


def test_monitoring_stores_hashes_only_and_alerts_once_per_new_contact(
    hr, org_admin, screen, django_capture_on_commit_callbacks
):
    screening = screen(hr.membership, b"phone\n206-555-0100\n2065550199\n", monitor=True)
    hashes = set(WatchedNumber.objects.filter(screening=screening).values_list("number_hash", flat=True))
    assert hashes == {number_hash("+12065550100"), number_hash("+12065550199")}
    assert "2065550100" not in str(list(WatchedNumber.objects.values()))

    mail.outbox.clear()
    operation = OperationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        contact = create_contact(
            e164="+12065550100", operation=operation, occurred_at="2025-01-01T00:00:00Z", channel="call"
        )
        create_contact(e164="+12065550142", operation=operation, occurred_at="2025-01-01T00:00:00Z", channel="call")
    assert list(Alert.objects.values_list("contact_id", flat=True)) == [contact.pk]
    assert [message.to for message in mail.outbox] == [[org_admin.email]]
    assert "2065550100" not in mail.outbox[0].body

    from screenings.monitoring import notify_watchers

    assert notify_watchers([contact.pk]) == 0  # the same contact never alerts twice
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.filter(action="monitoring.alert").count() == 1


def test_numbers_under_review_do_not_alert(hr, org_admin, screen, django_capture_on_commit_callbacks):
    screen(hr.membership, b"phone\n206-555-0100\n", monitor=True)
    ListedNumberFactory(e164="+12065550100", status="under_review")
    with django_capture_on_commit_callbacks(execute=True):
        create_contact(
            e164="+12065550100", operation=OperationFactory(), occurred_at="2025-01-01T00:00:00Z", channel="text"
        )
    assert not Alert.objects.exists()
