import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from audit.services import email_hash, record_event

pytestmark = pytest.mark.django_db


def test_events_store_a_keyed_hash_never_the_number():
    event = record_event(action="lookup", number="+12065550123")
    assert event.number_hash and len(event.number_hash) == 64
    assert "2065550123" not in str(AuditEvent.objects.values().get())


def test_events_cannot_be_changed_or_deleted():
    event = record_event(action="lookup")
    event.action = "other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")


def test_admin_shows_events_read_only(client, staff):
    event = record_event(action="lookup", number="+12065550123")
    client.force_login(staff)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    search = client.get(reverse("admin:audit_auditevent_changelist"), {"q": "(206) 555-0123"})
    assert list(search.context["cl"].result_list) == [event]
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, action="lookup").exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy: a forged header is ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the address our proxy saw
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_our_proxies(rf, settings, proxies, forwarded, expected):
    from audit.services import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def stored_row(event: AuditEvent) -> tuple:
    """The row exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuditEvent._meta.db_table} WHERE id = %s", [event.pk])  # noqa: S608
        return cursor.fetchone()


def test_deleting_a_user_does_not_rewrite_their_events(legal):
    event = record_event(action="lookup", actor=legal, number="+12065550123")
    before = stored_row(event)
    user_id = legal.pk
    legal.delete()
    assert stored_row(event) == before
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == user_id
    assert event.actor_email_hash == email_hash(legal.email)
    assert event.who == f"deleted user #{user_id}"


def test_deleting_an_organization_does_not_rewrite_its_events(legal):
    organization = legal.membership.organization
    event = record_event(action="lookup", actor=legal)
    before = stored_row(event)
    organization.delete()
    assert stored_row(event) == before


def test_events_keep_no_email_address_in_clear(legal):
    record_event(action="lookup", actor=legal)
    assert legal.email not in str(AuditEvent.objects.values().get())


def test_staff_find_a_deleted_users_events_by_email(client, staff, legal):
    record_event(action="lookup", actor=legal)
    email = legal.email
    legal.delete()
    client.force_login(staff)
    search = client.get(reverse("admin:audit_auditevent_changelist"), {"q": email.upper()})
    assert [event.action for event in search.context["cl"].result_list] == ["lookup"]
    assert b"deleted user #" in search.content
