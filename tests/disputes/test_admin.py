"""The dispute desk: the queue oldest first, a dispute's page, and its steps taken from that page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from directory.models import ListedNumber
from disputes import services
from disputes.models import Dispute
from tests.factories import ContactFactory, ListedNumberFactory, MembershipFactory, OperationFactory

pytestmark = pytest.mark.django_db

NUMBER = "+12065550123"


@pytest.fixture
def listed():
    number = ListedNumberFactory(e164=NUMBER)
    operation = OperationFactory(name="Spokane 2024", city="Spokane", started_on=datetime(2024, 2, 1).date())
    ContactFactory(number=number, operation=operation, channel="text", occurred_at=datetime(2024, 2, 2, tzinfo=UTC))
    return number


def file_dispute(e164=NUMBER, days_ago=0, **fields) -> Dispute:
    dispute = services.file_dispute(e164=e164, contact_email="owner@mail.example", statement="I got it in 2025.")
    Dispute.objects.filter(pk=dispute.pk).update(created_at=timezone.now() - timedelta(days=days_ago), **fields)
    dispute.refresh_from_db()
    return dispute


def desk(dispute) -> str:
    return reverse("admin:disputes_dispute_change", args=[dispute.pk])


def step(dispute, name: str) -> str:
    return reverse(f"admin:disputes_dispute_{name}", args=[dispute.pk])


def test_the_queue_shows_the_oldest_waiting_dispute_first_with_its_wait(client, curator):
    decided = file_dispute("+12065550101", days_ago=90, status=Dispute.Status.RELISTED)
    recent = file_dispute("+12065550102", days_ago=2)
    oldest = file_dispute("+12065550103", days_ago=12, status=Dispute.Status.UNDER_REVIEW)
    client.force_login(curator)
    response = client.get(reverse("admin:disputes_dispute_changelist"))
    assert list(response.context["cl"].result_list) == [oldest, recent, decided]
    content = response.content.decode()
    assert "waiting 12 days" in content and "waiting 2 days" in content
    assert content.index("+12065550103") < content.index("+12065550102") < content.index("+12065550101")


def test_a_dispute_page_shows_the_number_its_contacts_statement_and_history(client, curator, listed):
    dispute = file_dispute(days_ago=3)
    Dispute.objects.filter(pk=dispute.pk).update(held_since=datetime(2025, 3, 1).date())
    client.force_login(curator)
    content = client.get(desk(dispute)).content.decode()
    for words in (
        "Dispute of +12065550123",
        "waiting 3 days",
        "I got it in 2025.",
        "1 Mar 2025",
        "Status: <strong>Listed</strong>",
        "2 Feb 2024",
        "<td>Text</td>",
        "Spokane 2024",
        "Spokane, WA, US",
        "Dispute filed",
        "Accept for review",
    ):
        assert words in content, words
    assert content.count("<h1") == 1


def test_accept_then_remove_from_the_dispute_page(client, curator, listed):
    dispute = file_dispute()
    client.force_login(curator)

    response = client.post(step(dispute, "accept"))
    assert response["Location"] == desk(dispute)
    listed.refresh_from_db()
    assert listed.status == ListedNumber.Status.UNDER_REVIEW
    page = client.get(desk(dispute)).content.decode()
    assert "+12065550123: Under review." in page
    assert "Remove the number and tell the filer" in page

    client.post(step(dispute, "resolve"), {"decision": "remove", "reason": "Reassigned in 2025"})
    dispute.refresh_from_db()
    listed.refresh_from_db()
    assert (dispute.status, listed.status, listed.status_reason) == ("removed", "removed", "Reassigned in 2025")
    actions = list(AuditEvent.objects.filter(detail__dispute=dispute.pk).values_list("action", flat=True))
    assert {"dispute.accepted", "dispute.removed"} <= set(actions)
    assert AuditEvent.objects.get(action="dispute.removed").actor == curator
    assert mail.outbox[-1].subject == "Your dispute has been resolved"
    assert "Resolved: number removed" in client.get(desk(dispute)).content.decode()


def test_removal_without_a_reason_is_refused_with_a_message(client, curator, listed):
    dispute = file_dispute(status=Dispute.Status.UNDER_REVIEW)
    client.force_login(curator)
    response = client.post(step(dispute, "resolve"), {"decision": "remove", "reason": " "}, follow=True)
    assert "A reason is required to remove a number." in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UNDER_REVIEW


def test_keeping_the_listing_puts_the_number_back(client, curator, listed):
    dispute = file_dispute()
    client.force_login(curator)
    client.post(step(dispute, "accept"))
    client.post(step(dispute, "resolve"), {"decision": "keep", "reason": ""})
    dispute.refresh_from_db()
    listed.refresh_from_db()
    assert (dispute.status, listed.status) == ("relisted", "listed")
    assert AuditEvent.objects.filter(action="dispute.relisted", detail__dispute=dispute.pk).exists()


def test_a_step_out_of_order_is_explained(client, curator, listed):
    dispute = file_dispute()
    client.force_login(curator)
    response = client.post(step(dispute, "resolve"), {"decision": "keep"}, follow=True)
    assert "Accept the dispute for review before resolving it." in response.content.decode()


def test_the_page_changes_nothing_and_disputes_cannot_be_deleted(client, curator, listed):
    dispute = file_dispute()
    client.force_login(curator)
    assert client.post(desk(dispute), {"status": "removed"}).status_code == 405
    assert client.get(step(dispute, "accept")).status_code == 405
    assert client.post(step(dispute, "resolve"), {"decision": "maybe"}).status_code == 405
    assert client.post(reverse("admin:disputes_dispute_delete", args=[dispute.pk]), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:disputes_dispute_changelist"))
    assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
    assert dispute.history.count() == 1


def test_staff_who_may_only_read_disputes_cannot_decide(client, curator, listed):
    curator.user_permissions.remove(Permission.objects.get(codename="change_dispute"))
    dispute = file_dispute()
    client.force_login(curator)
    assert "deciding it needs the permission" in client.get(desk(dispute)).content.decode()
    assert client.post(step(dispute, "accept")).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN


def test_organization_members_cannot_reach_the_desk(client, listed):
    dispute = file_dispute()
    client.force_login(MembershipFactory(role="admin").user)
    response = client.post(step(dispute, "accept"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
