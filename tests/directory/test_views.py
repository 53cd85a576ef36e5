import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from directory.matching import DISCLAIMER
from lib.hashing import number_hash
from lib.result_files import EXPORT_COLUMNS
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    return ContactFactory(number=ListedNumberFactory(e164="+12065550123"), occurred_at="2023-05-05T10:00:00Z").number


def test_lookup_exports_the_columns_a_screening_exports(client, legal, listed):
    client.force_login(legal)
    response = client.post(reverse("directory:lookup"), {"numbers": "=2065550123\n206-555-0123\n12"})
    assert response.context["export_columns"] == EXPORT_COLUMNS
    match, repeat, invalid = (dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in response.context["export_rows"])
    assert (match["row"], match["e164"], match["first_contact"], match["contact_count"]) == (
        "1",
        "+12065550123",
        "2023-05-05",
        "1",
    )
    assert (repeat["outcome"], repeat["repeat_of_row"]) == ("duplicate", "1")
    assert invalid["outcome"] == "invalid" and invalid["e164"] == ""
    assert 'id="lookup-export" hidden' in response.content.decode()


def test_a_lookup_evidence_report_checks_the_number_again(client, legal, listed):
    client.force_login(legal)
    response = client.post(reverse("directory:evidence_report"), {"number": "(206) 555-0123", "region": "US"})
    content = response.content.decode()
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="lookup.evidence_report")
    assert event.number_hash == number_hash("+12065550123")
    assert AuditEvent.objects.filter(action="lookup", actor=legal).count() == 1  # the check counts as a lookup
    assert "+12065550123" in content and "5 May 2023" in content and f"event {event.pk}" in content
    assert "does not say who used the phone" in content and "/disputes/new/" in content


def test_no_evidence_report_for_a_number_that_does_not_match_now(client, legal, listed):
    listed.status = "under_review"
    listed.save()
    client.force_login(legal)
    response = client.post(reverse("directory:evidence_report"), {"number": "2065550123", "region": "US"})
    assert response.status_code == 404
    assert b"not a match" in response.content
    assert not AuditEvent.objects.filter(action="lookup.evidence_report").exists()


def test_a_window_that_excludes_the_contacts_gives_no_report(client, legal, listed):
    client.force_login(legal)
    response = client.post(
        reverse("directory:evidence_report"), {"number": "2065550123", "region": "US", "assigned_from": "2024-01-01"}
    )
    assert response.status_code == 404


def test_the_evidence_report_counts_against_the_limits(client, legal, org, listed):
    org.daily_lookup_quota = 0
    org.save()
    client.force_login(legal)
    response = client.post(reverse("directory:evidence_report"), {"number": "2065550123", "region": "US"})
    assert response.status_code == 429


def test_lookup_results_download_as_xlsx_checked_again(client, legal, listed):
    client.force_login(legal)
    page = client.post(reverse("directory:lookup"), {"numbers": "206-555-0123\n=1+1", "region": "US"})
    assert 'action="/lookup/results.xlsx"' in page.content.decode()
    response = client.post(reverse("directory:lookup_xlsx"), {"numbers": "206-555-0123\n=1+1", "region": "US"})
    assert response["Content-Disposition"].endswith('filename="lookup-results.xlsx"')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert DISCLAIMER in [row[0] for row in workbook["About"].iter_rows(values_only=True)]
    header, match, invalid = workbook["Results"].iter_rows()
    assert [cell.value for cell in header] == EXPORT_COLUMNS
    assert [cell.value for cell in match][:5] == [1, "206-555-0123", None, "+12065550123", "match"]
    assert (invalid[1].value, invalid[1].data_type) == ("=1+1", "s")
    assert AuditEvent.objects.filter(action="lookup", actor=legal).count() == 2  # checked again
    assert AuditEvent.objects.get(action="lookup.exported").detail == {"format": "xlsx", "rows": 2}
