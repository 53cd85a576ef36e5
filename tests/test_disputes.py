import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from directory.importing import import_contacts
from directory.matching import MatchInput, match_inputs
from directory.models import ListedNumber
from disputes import services
from disputes.models import Dispute
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db


def file(client, number="(206) 555-0123", **extra):
    data = {"number": number, "contact_email": "owner@mail.example", "statement": "I got this number in 2024.", **extra}
    return client.post(reverse("disputes:new"), data)


def matches(e164: str) -> str:
    return match_inputs([MatchInput(e164)], "US")[0].outcome


@pytest.fixture
def listed():
    return ContactFactory(number=ListedNumberFactory(e164="+12065550123")).number


def test_the_answer_is_the_same_for_listed_and_unlisted_numbers(client, listed):
    for_listed = file(client, "(206) 555-0123")
    for_unlisted = file(client, "(206) 555-0199")
    assert for_listed.status_code == for_unlisted.status_code == 200
    assert for_listed.content == for_unlisted.content
    assert [m.subject for m in mail.outbox] == ["We received your dispute"] * 2
    assert mail.outbox[0].body.replace("+12065550123", "N") == mail.outbox[1].body.replace("+12065550199", "N")


def test_filing_alone_does_not_stop_matching(client, listed):
    file(client)
    assert Dispute.objects.get().status == "open"
    assert matches("+12065550123") == "match"


def test_honeypot_drops_bots_silently(client):
    response = file(client, website="http://spam.example")
    assert response.status_code == 200
    assert not Dispute.objects.exists()
    assert not mail.outbox


def test_floods_are_limited_per_address(client, settings):
    settings.DISPUTES_PER_IP_PER_HOUR = 2
    statuses = [file(client).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert Dispute.objects.count() == 2


def test_an_invalid_number_is_explained(client):
    response = file(client, "12")
    assert b"Not a usable phone number" in response.content
    assert not Dispute.objects.exists()


def test_review_stops_matching_then_removal_is_final(rf, listed, staff):
    request = rf.post("/")
    request.user = staff
    dispute = services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="mine")
    services.accept_for_review(dispute=dispute, request=request)
    listed.refresh_from_db()
    assert listed.status == ListedNumber.Status.UNDER_REVIEW
    assert matches(listed.e164) == "no_match"

    with pytest.raises(services.DisputeError, match="reason"):
        services.resolve(dispute=dispute, remove=True, reason="", request=request)
    services.resolve(dispute=dispute, remove=True, reason="Number reassigned in 2024", request=request)
    listed.refresh_from_db()
    assert (listed.status, listed.status_reason) == ("removed", "Number reassigned in 2024")
    assert mail.outbox[-1].subject == "Your dispute has been resolved"
    assert "does not match any search" in mail.outbox[-1].body
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dispute.filed", "dispute.accepted", "dispute.removed", "directory.number_status_changed"} <= actions


def test_resolving_as_kept_relists(rf, listed, staff):
    request = rf.post("/")
    request.user = staff
    dispute = services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="mine")
    services.accept_for_review(dispute=dispute, request=request)
    services.resolve(dispute=dispute, remove=False, request=request)
    assert matches(listed.e164) == "match"
    assert "listing was kept" in mail.outbox[-1].body


def test_staff_work_the_queue_in_the_admin(client, staff, listed):
    dispute = services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="mine")
    client.force_login(staff)
    url = reverse("admin:disputes_dispute_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "accept_for_review", "_selected_action": [dispute.pk]})
    page = client.post(url, {"action": "resolve_removed", "_selected_action": [dispute.pk]})
    assert b"reason" in page.content
    client.post(url, {"action": "resolve_removed", "_selected_action": [dispute.pk], "reason": "Not theirs then"})
    dispute.refresh_from_db()
    assert dispute.status == "removed" and dispute.reviewed_by == staff
    assert ListedNumber.objects.get().status == "removed"


def test_a_removed_number_is_not_relisted_by_import(rf, staff, listed):
    request = rf.post("/")
    request.user = staff
    dispute = services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="mine")
    services.accept_for_review(dispute=dispute, request=request)
    services.resolve(dispute=dispute, remove=True, reason="error", request=request)
    report = import_contacts(
        b"number,occurred_at,channel,operation\n+12065550123,2025-01-01T00:00:00Z,call,Op\n", create_operations=True
    )
    assert "stays so until staff relist it" in report.rows[0].message
    assert matches("+12065550123") == "no_match"


def test_under_review_never_matches_in_a_screening(rf, staff, listed, hr, django_capture_on_commit_callbacks):
    from screenings import services as screening_services

    request = rf.post("/")
    request.user = staff
    services.accept_for_review(
        dispute=services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="x"),
        request=request,
    )
    with django_capture_on_commit_callbacks(execute=True):
        screening = screening_services.create_screening(
            membership=hr.membership, filename="a.csv", data=b"phone\n206-555-0123\n"
        )
    screening.refresh_from_db()
    assert screening.counts["match"] == 0 and screening.counts["no_match"] == 1


def test_screening_results_flag_numbers_no_longer_listed(
    rf, staff, listed, hr, client, django_capture_on_commit_callbacks
):
    from screenings import services as screening_services

    with django_capture_on_commit_callbacks(execute=True):
        screening = screening_services.create_screening(
            membership=hr.membership, filename="a.csv", data=b"phone\n206-555-0123\n"
        )
    request = rf.post("/")
    request.user = staff
    dispute = services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="x")
    services.accept_for_review(dispute=dispute, request=request)
    services.resolve(dispute=dispute, remove=True, reason="error", request=request)
    client.force_login(hr)
    rows = client.get(f"/api/v1/screenings/{screening.pk}/results/").json()["results"]
    assert [(r["outcome"], r["no_longer_listed"]) for r in rows] == [("match", True)]
    page = client.get(reverse("screenings:detail", args=[screening.pk]))
    assert b"no longer listed" in page.content


def test_staff_statistics_page(client, staff, listed):
    services.file_dispute(e164=listed.e164, contact_email="a@mail.example", statement="x")
    client.force_login(staff)
    response = client.get(reverse("statistics"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<svg" in content and "Contacts per operation" in content
    assert "1 dispute waiting" in content
    assert [bar.value for bar in response.context["per_channel"]] == [1]
