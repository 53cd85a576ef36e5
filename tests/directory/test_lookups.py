from datetime import date

import pytest
from django.urls import reverse

from accounts import services as account_services
from audit.models import AuditEvent
from directory.matching import DISCLAIMER
from lib.hashing import number_hash
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookups/"
BATCH = "/api/v1/lookups/batch/"


@pytest.fixture
def listed():
    return ContactFactory(number=ListedNumberFactory(e164="+12065550123"), occurred_at="2023-05-05T10:00:00Z").number


@pytest.fixture
def member_api(api_client, legal):
    api_client.force_authenticate(legal)
    return api_client


def test_single_lookup_answers_as_the_contract_says(member_api, listed):
    response = member_api.post(LOOKUP, {"number": "(206) 555-0123"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("input", "e164", "outcome")} == {
        "input": "(206) 555-0123",
        "e164": "+12065550123",
        "outcome": "match",
    }
    assert body["evidence"]["contact_count"] == 1
    assert body["disclaimer"] == DISCLAIMER


def test_single_lookup_with_a_window(member_api, listed):
    body = member_api.post(LOOKUP, {"number": "2065550123", "assigned_from": "2024-01-01"}, format="json").json()
    assert (body["outcome"], body["evidence"]) == ("outside_window", None)


def test_invalid_number_is_an_outcome_not_an_error(member_api):
    response = member_api.post(LOOKUP, {"number": "2.06555E+09"}, format="json")
    assert response.status_code == 200
    assert response.json()["outcome"] == "invalid"
    assert response.json()["reason"] == "not a phone number"


def test_bad_region_and_bad_dates_are_400(member_api):
    assert member_api.post(LOOKUP, {"number": "1", "region": "XX"}, format="json").status_code == 400
    response = member_api.post(LOOKUP, {"number": "1", "assigned_from": "yesterday"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("assigned_from:")


def test_batch_keeps_input_order_and_accepts_strings_and_objects(member_api, listed):
    numbers = ["+44 7700 900123", {"number": "206-555-0123", "assigned_to": "2023-05-05"}, "2065550123", "junk"]
    body = member_api.post(BATCH, {"numbers": numbers}, format="json").json()
    assert [r["outcome"] for r in body["results"]] == ["no_match", "match", "duplicate", "invalid"]
    assert [r["input"] for r in body["results"]] == ["+44 7700 900123", "206-555-0123", "2065550123", "junk"]
    assert body["disclaimer"] == DISCLAIMER


def test_batch_of_more_than_1000_is_refused(member_api):
    response = member_api.post(BATCH, {"numbers": ["2065550100"] * 1001}, format="json")
    assert response.status_code == 400
    assert "At most 1000" in response.json()["detail"]


def test_batch_with_a_malformed_item_says_which(member_api):
    response = member_api.post(BATCH, {"numbers": ["2065550100", 12]}, format="json")
    assert response.status_code == 400
    assert "numbers" in response.json()["detail"]


def test_lookups_work_with_an_api_key(api_client, legal, listed):
    _, key = account_services.create_api_key(user=legal, name="k")
    response = api_client.post(LOOKUP, {"number": "+12065550123"}, format="json", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.json()["outcome"] == "match"


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_rate_limit_answers_429_with_retry_after(member_api, settings):
    settings.LOOKUP_REQUESTS_PER_MINUTE = 3
    statuses = [member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = member_api.post(LOOKUP, {"number": "2065550100"}, format="json")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "lookup requests this minute" in response.json()["detail"]


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_a_sweep_in_batches_is_refused_by_the_per_minute_number_limit(member_api, org):
    """Batches of 1,000 used to count as one request each: 60,000 numbers a minute for one user."""
    org.daily_lookup_quota = 1_000_000
    org.save()
    sweep = [[f"+1206555{n:04d}" for n in range(start, start + 1000)] for start in (0, 1000)]
    assert member_api.post(BATCH, {"numbers": sweep[0]}, format="json").status_code == 200
    refused = member_api.post(BATCH, {"numbers": sweep[1]}, format="json")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("You may look up 1000 numbers a minute")
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 429


@pytest.mark.usefixtures("limits_clock_stands_still")
def test_the_number_limit_counts_single_lookups_and_batches_together(member_api, settings):
    settings.LOOKUP_NUMBERS_PER_MINUTE = 3
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 200
    assert member_api.post(BATCH, {"numbers": ["2065550101", "2065550102"]}, format="json").status_code == 200
    assert member_api.post(LOOKUP, {"number": "2065550103"}, format="json").status_code == 429


def test_daily_quota_counts_numbers_per_org(member_api, org, hr):
    org.daily_lookup_quota = 5
    org.save()
    assert member_api.post(BATCH, {"numbers": ["2065550100"] * 4}, format="json").status_code == 200
    refused = member_api.post(BATCH, {"numbers": ["2065550101", "2065550102"]}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "daily quota of 5" in refused.json()["detail"]
    member_api.force_authenticate(hr)  # a colleague shares the organization's quota
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 200
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 429


def test_every_lookup_is_audited_with_hashes_never_numbers(member_api, listed, legal):
    member_api.post(LOOKUP, {"number": "(206) 555-0123"}, format="json")
    member_api.post(BATCH, {"numbers": ["2065550123", "+12065550199", "junk"]}, format="json")
    single = AuditEvent.objects.filter(action="lookup").order_by("id").first()
    assert single.actor == legal and single.organization == legal.membership.organization
    assert single.number_hash == number_hash("+12065550123")
    assert single.detail["counts"]["match"] == 1
    batch = AuditEvent.objects.filter(action="lookup").order_by("id").last()
    assert batch.detail["counts"] == {"match": 1, "outside_window": 0, "no_match": 1, "invalid": 1, "duplicate": 0}
    per_number = AuditEvent.objects.filter(action="lookup.number")
    assert {e.number_hash for e in per_number} == {number_hash("+12065550123"), number_hash("+12065550199")}
    everything = str(list(AuditEvent.objects.values()))
    assert "2065550123" not in everything and "2065550199" not in everything and "junk" not in everything


def test_lookup_page_with_per_line_windows(client, legal, listed):
    client.force_login(legal)
    text = "206-555-0123, 2023-01-01, 2023-12-31\n+1 206 555 0123\n2065550123, 2024-01-01\n\nnot a number"
    response = client.post(reverse("directory:lookup"), {"numbers": text})
    outcomes = [result.outcome for result in response.context["results"]]
    assert outcomes == ["match", "duplicate", "duplicate", "invalid"]
    content = response.content.decode()
    assert DISCLAIMER in content
    assert "Download CSV" in content


def test_lookup_page_applies_the_form_window_to_lines_without_one(client, legal, listed):
    client.force_login(legal)
    response = client.post(reverse("directory:lookup"), {"numbers": "2065550123", "assigned_from": "2024-01-01"})
    assert response.context["results"][0].outcome == "outside_window"


def test_lookup_page_explains_bad_lines(client, legal):
    client.force_login(legal)
    response = client.post(reverse("directory:lookup"), {"numbers": "2065550123, someday"})
    assert "Line 1" in response.content.decode()
    assert "results" not in response.context


def test_lookup_page_shows_429(client, legal, org):
    org.daily_lookup_quota = 1
    org.save()
    client.force_login(legal)
    response = client.post(reverse("directory:lookup"), {"numbers": "2065550123\n2065550124"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert b"daily quota" in response.content


def test_dashboard_shows_quota_use(client, legal):
    client.force_login(legal)
    client.post(reverse("directory:lookup"), {"numbers": "2065550123\n2065550124"})
    quota = client.get(reverse("front:dashboard")).context["quota"]
    assert quota["lookups"] == 2


def test_lookups_take_json_only_and_unknown_api_paths_answer_json(member_api):
    response = member_api.post(LOOKUP, {"number": "2065550100"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()
    missing = member_api.get("/api/v1/nothing-here/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_a_refused_lookup_counts_against_no_limit(member_api, org, settings):
    from lib.limits import quota_use

    settings.LOOKUP_REQUESTS_PER_MINUTE = 1
    org.daily_lookup_quota = 3
    org.save()
    assert member_api.post(BATCH, {"numbers": ["2065550100", "2065550101"]}, format="json").status_code == 200
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 429  # the rate
    assert quota_use(org)["lookups"] == 2
    settings.LOOKUP_REQUESTS_PER_MINUTE = 10
    assert member_api.post(BATCH, {"numbers": ["2065550100", "2065550101"]}, format="json").status_code == 429
    assert member_api.post(LOOKUP, {"number": "2065550100"}, format="json").status_code == 200
    assert quota_use(org)["lookups"] == 3


def test_answers_carry_exactly_the_documented_result_fields(listed):
    from directory.api.serializers import LookupResultSerializer, result_data
    from directory.matching import MatchInput, match_inputs

    results = match_inputs([MatchInput("2065550123"), MatchInput("x"), MatchInput("+1 206 555 0123")], "US")
    results += match_inputs([MatchInput("2065550123", assigned_to=date(2020, 1, 1)), MatchInput("2065550199")], "US")
    assert [result.outcome for result in results] == ["match", "invalid", "duplicate", "outside_window", "no_match"]
    for result in results:
        assert result_data(result) == LookupResultSerializer(result).data


def test_counters_keep_their_expiry_on_a_cache_without_redis(settings, tmp_path, monkeypatch):
    """The embedded set-up counts in files; their incr alone would reset a day's quota after 5 minutes."""
    import time

    from django.core.cache import cache

    from lib import limits

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    limits._consume_script.cache_clear()
    try:
        assert limits.consume(limits.Counter("quota", 2, 5, timeout=86400)) is None
        later = time.time() + 3600
        monkeypatch.setattr("django.core.cache.backends.filebased.time.time", lambda: later)
        assert cache.get("quota") == 2
    finally:
        limits._consume_script.cache_clear()


def test_a_refused_sweep_is_audited_with_counts_only(member_api, org, legal):
    org.daily_lookup_quota = 2
    org.save()
    refused = member_api.post(BATCH, {"numbers": ["2065550101", "2065550102", "2065550103"]}, format="json")
    assert refused.status_code == 429
    event = AuditEvent.objects.get(action="lookup.refused")
    assert (event.actor, event.organization) == (legal, org)
    assert event.detail["numbers"] == 3 and "daily quota of 2" in event.detail["limit"]
    assert "206555010" not in str(AuditEvent.objects.values().get()) and not event.number_hash


def test_a_lookup_refused_by_the_rate_limit_is_audited(client, legal, settings):
    settings.LOOKUP_REQUESTS_PER_MINUTE = 1
    client.force_login(legal)
    client.post(reverse("directory:lookup"), {"numbers": "2065550123"})
    assert client.post(reverse("directory:lookup"), {"numbers": "2065550123"}).status_code == 429
    assert AuditEvent.objects.filter(action="lookup.refused", actor=legal).count() == 1


def test_downloading_lookup_results_is_an_audited_export(client, legal):
    client.force_login(legal)
    page = client.post(reverse("directory:lookup"), {"numbers": "2065550123\n2065550124"})
    assert f'data-audit-url="{reverse("directory:lookup_exported")}"'.encode() in page.content
    answer = client.post(reverse("directory:lookup_exported"), {"how": "download", "rows": "2"})
    assert answer.status_code == 204
    event = AuditEvent.objects.get(action="lookup.exported")
    assert (event.actor, event.organization) == (legal, legal.membership.organization)
    assert event.detail == {"format": "csv", "how": "download", "rows": 2}


def test_copying_lookup_results_is_an_audited_export(client, legal):
    client.force_login(legal)
    client.post(reverse("directory:lookup_exported"), {"how": "copy", "rows": "1"})
    assert AuditEvent.objects.get(action="lookup.exported").detail["how"] == "copy"


@pytest.mark.parametrize("data", [{}, {"how": "print", "rows": "1"}, {"how": "copy", "rows": "-1"}])
def test_an_export_record_that_says_nothing_is_refused(client, legal, data):
    client.force_login(legal)
    assert client.post(reverse("directory:lookup_exported"), data).status_code == 400
    assert not AuditEvent.objects.filter(action="lookup.exported").exists()


def test_only_members_who_look_up_record_exports(client, outsider):
    assert client.post(reverse("directory:lookup_exported"), {"how": "copy", "rows": "1"}).status_code == 302
    client.force_login(outsider)
    assert client.post(reverse("directory:lookup_exported"), {"how": "copy", "rows": "1"}).status_code == 403
