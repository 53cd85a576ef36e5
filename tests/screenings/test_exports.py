"""Evidence lists only jurisdictions that have a value, in the API, the pages and every export."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from screenings.models import ScreeningResult
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.django_db

NUMBER = "+12065550123"


@pytest.fixture
def listed_in_two_operations():
    """One contact in Seattle, one in an operation whose jurisdiction was never recorded."""
    number = ListedNumberFactory(e164=NUMBER)
    ContactFactory(number=number, occurred_at=datetime(2024, 3, 1, tzinfo=UTC))
    nowhere = OperationFactory(city="", region="", country="")
    ContactFactory(number=number, operation=nowhere, occurred_at=datetime(2024, 4, 1, tzinfo=UTC))
    return number


def csv_jurisdictions(response) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [row["jurisdictions"] for row in rows if row["outcome"] == "match"]


def test_the_api_evidence_leaves_out_an_empty_jurisdiction(client, legal, listed_in_two_operations):
    client.force_login(legal)
    evidence = client.post("/api/v1/lookups/", {"number": NUMBER}, content_type="application/json").json()["evidence"]
    assert evidence["contact_count"] == 2
    assert [operation["jurisdiction"] for operation in evidence["operations"]] == ["Seattle, WA, US"]


def test_the_lookup_page_leaves_out_an_empty_jurisdiction(client, legal, listed_in_two_operations):
    client.force_login(legal)
    page = client.post(reverse("directory:lookup"), {"numbers": NUMBER}).content.decode()
    assert "Seattle, WA, US" in page
    assert "Jurisdiction not recorded" not in page


def test_no_screening_export_holds_an_empty_jurisdiction(client, hr, listed_in_two_operations, screen):
    screening = screen(hr.membership, f"phone\n{NUMBER}\n".encode())
    client.force_login(hr)
    exported = client.get(reverse("screenings:csv", args=[screening.pk]))
    assert csv_jurisdictions(exported) == ["Seattle, WA, US"]


def test_results_stored_with_an_empty_jurisdiction_export_without_it(client, hr, screen, listed_in_two_operations):
    """Results kept from before evidence left empty jurisdictions out still export cleanly."""
    screening = screen(hr.membership, f"phone\n{NUMBER}\n".encode())
    stored = ScreeningResult.objects.get(screening=screening, outcome="match")
    stored.evidence["operations"].insert(0, {"jurisdiction": "", "started_on": None, "ended_on": None})
    stored.save()
    client.force_login(hr)
    exported = client.get(reverse("screenings:csv", args=[screening.pk]))
    assert csv_jurisdictions(exported) == ["Seattle, WA, US"]
