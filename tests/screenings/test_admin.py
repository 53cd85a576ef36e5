import pytest
from django.urls import reverse

from audit.models import AuditEvent
from screenings.models import Screening
from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db


def deleted_screenings() -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(action="screening.deleted").order_by("id")
    return [(event.detail["screening"], event.who) for event in events]


def test_deleting_a_screening_in_the_admin_is_audited(client, staff):
    screening = ScreeningFactory()
    client.force_login(staff)
    client.post(reverse("admin:screenings_screening_delete", args=[screening.pk]), {"post": "yes"})
    assert not Screening.objects.exists()
    assert deleted_screenings() == [(str(screening.pk), staff.email)]
    assert AuditEvent.objects.get(action="screening.deleted").organization == screening.organization


def test_staff_read_why_a_screening_failed_in_the_list(client, staff):
    ScreeningFactory(status="failed", error="The file is empty.")
    client.force_login(staff)
    assert "Failed: The file is empty." in client.get(reverse("admin:screenings_screening_changelist")).content.decode()


def test_bulk_deleting_screenings_in_the_admin_audits_each(client, staff):
    screenings = ScreeningFactory.create_batch(2)
    client.force_login(staff)
    client.post(
        reverse("admin:screenings_screening_changelist"),
        {"action": "delete_selected", "_selected_action": [s.pk for s in screenings], "post": "yes"},
    )
    assert not Screening.objects.exists()
    assert sorted(deleted_screenings()) == sorted((str(s.pk), staff.email) for s in screenings)
