import pytest
from django.core import mail

from audit.models import AuditEvent
from directory.services import create_contact
from lib.hashing import number_hash
from screenings import monitoring, services
from screenings.models import Alert, Watch, WatchedNumber
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_contact(django_capture_on_commit_callbacks):
    """A new contact for a number, the way staff add one (the watch alerts run once it is committed)."""

    def add(e164: str, occurred_at: str = "2025-01-01T00:00:00Z"):
        with django_capture_on_commit_callbacks(execute=True):
            return create_contact(e164=e164, operation=OperationFactory(), occurred_at=occurred_at, channel="call")

    return add


def test_monitoring_stores_hashes_only_and_alerts_hr_and_admins_once_per_new_contact(
    hr, org_admin, legal, screen, add_contact
):
    screening = screen(hr.membership, b"phone,employee\n206-555-0100,E-1\n2065550199,E-2\n", monitor=True)
    watch = Watch.objects.get(screening=screening)
    assert watch.created_by == hr and watch.name.startswith("list.csv, ")
    watched = {(n.number_hash, n.label, n.row) for n in watch.numbers.all()}
    assert watched == {(number_hash("+12065550100"), "E-1", 2), (number_hash("+12065550199"), "E-2", 3)}
    assert "2065550100" not in str(list(WatchedNumber.objects.values()))

    mail.outbox.clear()
    contact = add_contact("+12065550100")
    add_contact("+12065550142")
    assert list(Alert.objects.values_list("contact_id", flat=True)) == [contact.pk]
    assert sorted(message.to[0] for message in mail.outbox) == sorted([hr.email, org_admin.email])
    assert "2065550100" not in mail.outbox[0].body

    assert monitoring.notify_watchers([contact.pk]) == 0  # the same contact never alerts twice
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.filter(action="monitoring.alert").count() == 1


def test_the_watchers_of_an_imported_batch_are_read_at_once_however_many_contacts_it_has(
    hr, screen, django_assert_num_queries
):
    """An import announces contacts by the thousand: finding their watchers costs the same for 3 or 30."""
    screen(hr.membership, b"phone\n206-555-0100\n", monitor=True)

    def contacts(count: int) -> list[int]:
        return [ContactFactory(number=ListedNumberFactory()).pk for _ in range(count)]

    few, many = contacts(3), contacts(30)
    with django_assert_num_queries(2):
        assert monitoring.notify_watchers(few) == 0
    with django_assert_num_queries(2):
        assert monitoring.notify_watchers(many) == 0


def test_numbers_under_review_do_not_alert(hr, org_admin, screen, add_contact):
    screen(hr.membership, b"phone\n206-555-0100\n", monitor=True)
    ListedNumberFactory(e164="+12065550100", status="under_review")
    add_contact("+12065550100")
    assert not Alert.objects.exists()


def test_a_watch_outlives_its_screening_until_stopped(hr, screen, add_contact, settings):
    screening = screen(hr.membership, b"phone,employee\n206-555-0100,E-1\n", monitor=True)
    services.delete_screening(screening=screening)
    watch = Watch.objects.get()
    assert watch.screening is None and watch.numbers.count() == 1

    add_contact("+12065550100")
    alert = Alert.objects.get()
    assert (alert.watched_number.label, alert.watched_number.row) == ("E-1", 2)

    monitoring.stop_watch(watch=watch, membership=hr.membership)
    add_contact("+12065550100", occurred_at="2025-02-01T00:00:00Z")
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.filter(action="monitoring.watch_stopped").exists()
    with pytest.raises(monitoring.WatchRefused):
        monitoring.stop_watch(watch=watch, membership=hr.membership)


def test_a_finished_screening_is_watched_later_by_its_stored_numbers(hr, screen, add_contact):
    ListedNumberFactory(e164="+12065550100")
    create_contact(
        e164="+12065550100", operation=OperationFactory(), occurred_at="2024-01-01T00:00:00Z", channel="text"
    )
    screening = screen(hr.membership, b"phone,employee\n206-555-0100,E-1\n206-555-0199,E-2\n2065550100,E-3\n")
    watch = monitoring.start_watch(screening=screening, membership=hr.membership)
    # The repeat (row 4) is not watched twice; the number with no match was never stored.
    assert [(n.label, n.row) for n in watch.numbers.all()] == [("E-1", 2)]
    assert AuditEvent.objects.get(action="monitoring.watch_started").detail["numbers"] == 1
    with pytest.raises(monitoring.WatchRefused, match="already watched"):
        monitoring.start_watch(screening=screening, membership=hr.membership)

    add_contact("+12065550100")
    assert Alert.objects.get().watched_number.watch == watch


def test_only_a_finished_screening_can_be_watched_later(hr):
    running = ScreeningFactory(organization=hr.membership.organization, status="running")
    with pytest.raises(monitoring.WatchRefused, match="finished"):
        monitoring.start_watch(screening=running, membership=hr.membership)


def test_a_reviewed_number_alerts_again_only_for_a_newer_contact(hr, screen, add_contact):
    screen(hr.membership, b"phone\n206-555-0100\n", monitor=True)
    add_contact("+12065550100", occurred_at="2025-03-01T00:00:00Z")
    alert = Alert.objects.get()
    monitoring.review_alert(alert=alert, membership=hr.membership, note="Checked with the phone's holder.")
    alert.refresh_from_db()
    assert alert.reviewed_by == hr and alert.review_note == "Checked with the phone's holder."
    assert AuditEvent.objects.filter(action="monitoring.alert_reviewed").exists()
    assert not monitoring.unread_alerts(hr.membership.organization).exists()

    add_contact("+12065550100", occurred_at="2025-02-01T00:00:00Z")  # an older contact, recorded late
    assert Alert.objects.count() == 1
    add_contact("+12065550100", occurred_at="2025-04-01T00:00:00Z")
    assert Alert.objects.count() == 2
    with pytest.raises(monitoring.WatchRefused):
        monitoring.review_alert(alert=alert, membership=hr.membership, note="")
