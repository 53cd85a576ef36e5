import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from directory.importing import import_contacts
from directory.matching import MatchInput, match_inputs
from directory.models import ListedNumber
from disputes import services
from disputes.models import Dispute, PendingDispute
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db


def matches(e164: str) -> str:
    return match_inputs([MatchInput(e164)], "US")[0].outcome


@pytest.fixture
def listed():
    return ContactFactory(number=ListedNumberFactory(e164="+12065550123")).number


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
    assert "has been removed from the directory" in mail.outbox[-1].body
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


def pending_for(e164: str = "+12065550123"):
    return services.request_code(e164=e164, contact_email="Owner@Mail.example", statement="I got it in 2024.")


def texted_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def test_the_right_code_files_the_dispute_once(sms_outbox):
    pending = pending_for()
    assert [message.recipients for message in sms_outbox] == [["+12065550123"]]
    dispute = services.confirm_code(pending_id=pending.pk, code=texted_code(sms_outbox))
    assert (dispute.e164, dispute.contact_email, dispute.status) == ("+12065550123", "owner@mail.example", "open")
    assert not PendingDispute.objects.exists()


def test_a_wrong_code_is_refused(sms_outbox):
    pending = pending_for()
    wrong = "000000" if texted_code(sms_outbox) != "000000" else "111111"
    with pytest.raises(services.DisputeError, match="not the code we sent"):
        services.confirm_code(pending_id=pending.pk, code=wrong)
    assert not Dispute.objects.exists()
    assert PendingDispute.objects.get().wrong_codes == 1
    assert AuditEvent.objects.filter(action="dispute.code_refused").count() == 1


def test_an_expired_code_is_refused(sms_outbox, settings):
    pending = pending_for()
    later = timezone.now() + timedelta(minutes=settings.DISPUTE_CODE_VALID_MINUTES, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later), pytest.raises(services.DisputeError):
        services.confirm_code(pending_id=pending.pk, code=texted_code(sms_outbox))
    assert not Dispute.objects.exists()


def test_a_reused_code_is_refused(sms_outbox):
    pending = pending_for()
    services.confirm_code(pending_id=pending.pk, code=texted_code(sms_outbox))
    with pytest.raises(services.DisputeError):
        services.confirm_code(pending_id=pending.pk, code=texted_code(sms_outbox))
    assert Dispute.objects.count() == 1


def test_guessing_stops_after_five_wrong_codes(sms_outbox):
    pending = pending_for()
    code = texted_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(services.WRONG_CODES_ALLOWED):
        with pytest.raises(services.DisputeError):
            services.confirm_code(pending_id=pending.pk, code=wrong)
    with pytest.raises(services.DisputeError):
        services.confirm_code(pending_id=pending.pk, code=code)
    assert not Dispute.objects.exists()


def test_codes_are_stored_as_keyed_hashes_never_in_clear(sms_outbox):
    pending_for()
    stored = str(PendingDispute.objects.values().get())
    assert texted_code(sms_outbox) not in stored
    assert texted_code(sms_outbox) not in str(list(AuditEvent.objects.values()))


def test_expired_pending_disputes_are_purged(sms_outbox, settings):
    pending_for("+12065550123")
    later = timezone.now() + timedelta(minutes=settings.DISPUTE_CODE_VALID_MINUTES, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        pending_for("+12065550124")
    assert list(PendingDispute.objects.values_list("e164", flat=True)) == ["+12065550124"]


def test_a_verified_filer_is_told_plainly_the_number_was_not_listed(rf, staff):
    request = rf.post("/")
    request.user = staff
    dispute = services.file_dispute(e164="+12065550199", contact_email="a@mail.example", statement="mine")
    services.accept_for_review(dispute=dispute, request=request)
    assert dispute.status == "not_listed"
    assert "The number is not in the directory" in mail.outbox[-1].body
