import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from directory.matching import MatchInput, match_inputs
from disputes.models import Dispute, PendingDispute
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db

LISTED = "+12065550123"


@pytest.fixture
def listed():
    return ContactFactory(number=ListedNumberFactory(e164=LISTED)).number


def start(client, number="(206) 555-0123", **extra):
    data = {"number": number, "contact_email": "owner@mail.example", "statement": "I got this number in 2024.", **extra}
    return client.post(reverse("disputes:new"), data, follow=True)


def enter(client, code):
    return client.post(reverse("disputes:confirm"), {"code": code})


def without_csrf_token(content: bytes) -> bytes:
    """The page without its CSRF token, which is masked afresh on every page."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def texted_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def test_a_dispute_without_the_code_never_reaches_staff(client, staff, listed, sms_outbox):
    page = start(client)
    assert b"Enter the code we texted you" in page.content
    assert not Dispute.objects.exists() and not mail.outbox
    client.force_login(staff)
    queue = client.get(reverse("admin:disputes_dispute_changelist"))
    assert list(queue.context["cl"].result_list) == []
    assert match_inputs([MatchInput(LISTED)], "US")[0].outcome == "match"


def test_the_texted_code_files_the_dispute_for_staff(client, listed, sms_outbox):
    start(client)
    assert [message.recipients for message in sms_outbox] == [[LISTED]]
    filed = enter(client, texted_code(sms_outbox))
    assert b"Thank you" in filed.content
    assert Dispute.objects.get().status == "open"
    assert [message.subject for message in mail.outbox] == ["We received your dispute"]
    assert match_inputs([MatchInput(LISTED)], "US")[0].outcome == "match"


def test_a_wrong_code_is_refused_on_the_page(client, sms_outbox):
    start(client)
    wrong = "000000" if texted_code(sms_outbox) != "000000" else "111111"
    page = enter(client, wrong)
    assert b"not the code we sent" in page.content
    assert not Dispute.objects.exists()


def test_a_code_from_another_browser_files_nothing(client, sms_outbox):
    from django.test import Client

    start(client)
    stranger = Client()
    assert enter(stranger, texted_code(sms_outbox)).status_code == 302
    assert not Dispute.objects.exists()


def test_listed_and_unlisted_numbers_get_identical_answers(client, listed, sms_outbox):
    answers = []
    for number in (LISTED, "+12065550199"):
        with CaptureQueriesContext(connection) as asked:
            started = start(client, number)
        with CaptureQueriesContext(connection) as confirmed:
            filed = enter(client, texted_code(sms_outbox))
        queries = [query["sql"] for query in (*asked.captured_queries, *confirmed.captured_queries)]
        assert not any("directory_" in sql for sql in queries)
        texted = sms_outbox[-1].body.replace(texted_code(sms_outbox), "CODE")
        answers.append((started.status_code, without_csrf_token(started.content), filed.content, texted, len(queries)))
    assert answers[0] == answers[1]
    assert [m.subject for m in mail.outbox] == ["We received your dispute"] * 2
    assert mail.outbox[0].body.replace(LISTED, "N") == mail.outbox[1].body.replace("+12065550199", "N")


def test_codes_are_limited_per_number(client, settings, sms_outbox):
    settings.DISPUTE_CODES_PER_NUMBER_PER_DAY = 2
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    statuses = [start(client, REMOTE_ADDR=address).status_code for address in addresses]
    assert statuses == [200, 200, 429]
    assert len(sms_outbox) == 2
    refused = AuditEvent.objects.get(action="dispute.refused")
    assert "this number" in refused.detail["limit"] and refused.number_hash


def test_codes_are_limited_per_address(client, settings, sms_outbox):
    settings.DISPUTES_PER_IP_PER_HOUR = 2
    statuses = [start(client, number).status_code for number in ("2065550101", "2065550102", "2065550103")]
    assert statuses == [200, 200, 429]
    assert len(sms_outbox) == 2
    assert PendingDispute.objects.count() == 2


def test_a_text_message_that_cannot_be_sent_is_explained(client, settings, sms_outbox):
    settings.SMS_BACKEND = "sms.backends.twilio.SmsBackend"
    settings.TWILIO_ACCOUNT_SID = ""
    page = start(client)
    assert page.status_code == 503
    assert b"could not send a text message" in page.content
    assert not PendingDispute.objects.exists()


def test_honeypot_drops_bots_silently(client, sms_outbox):
    start(client, website="http://spam.example")
    assert not sms_outbox and not PendingDispute.objects.exists() and not mail.outbox


def test_an_invalid_number_is_explained(client, sms_outbox):
    response = start(client, "12")
    assert b"Not a usable phone number" in response.content
    assert not sms_outbox


def test_the_code_page_needs_a_started_dispute(client):
    assert client.get(reverse("disputes:confirm")).url == reverse("disputes:new")
