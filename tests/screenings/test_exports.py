"""Exports: the same columns for lookups and screenings, CSV and XLSX, audited; evidence lists only
jurisdictions that have a value."""

import csv
import io
from datetime import UTC, date, datetime
from functools import partial

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from directory.matching import DISCLAIMER
from lib.result_files import EXPORT_COLUMNS, csv_cells, export_cells
from screenings.models import ScreeningResult
from tests.factories import (
    ContactFactory,
    ListedNumberFactory,
    MembershipFactory,
    OperationFactory,
    ScreeningFactory,
    ScreeningResultFactory,
)

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


def xlsx_jurisdictions(response) -> list[str]:
    rows = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Results"].iter_rows(values_only=True)
    header = next(rows)
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    return [row["jurisdictions"] for row in cells if row["outcome"] == "match"]


def report_jurisdictions(response) -> list[str]:
    """The jurisdiction cells of an evidence report's table of operations."""
    table = response.content.decode().split('<table class="report-operations">')[1].split("</table>")[0]
    return [cell.split("</td>")[0] for cell in table.split("<tr><td>")[1:]]


def screening_jurisdictions(client, screening, where: str) -> list[str]:
    """The jurisdictions of the match in a screening's CSV, its XLSX or the evidence report of its row."""
    if where == "report":
        return report_jurisdictions(client.get(reverse("screenings:evidence", args=[screening.pk, 2])))
    read = csv_jurisdictions if where == "csv" else xlsx_jurisdictions
    return read(client.get(reverse(f"screenings:{where}", args=[screening.pk])))


@pytest.fixture
def screened(client, hr, screen, listed_in_two_operations):
    """A screening of the number listed in two operations, seen by HR of its organization."""
    client.force_login(hr)
    return screen(hr.membership, f"phone\n{NUMBER}\n".encode())


@pytest.mark.parametrize("where", ["csv", "xlsx", "report"])
def test_no_screening_export_holds_an_empty_jurisdiction(client, screened, where):
    assert screening_jurisdictions(client, screened, where) == ["Seattle, WA, US"]


@pytest.mark.parametrize("where", ["csv", "xlsx", "report"])
def test_results_stored_with_an_empty_jurisdiction_export_without_it(client, screened, where):
    """Results kept from before evidence left empty jurisdictions out still export cleanly."""
    stored = ScreeningResult.objects.get(screening=screened, outcome="match")
    stored.evidence["operations"].insert(0, {"jurisdiction": "", "started_on": None, "ended_on": None})
    stored.save()
    assert screening_jurisdictions(client, screened, where) == ["Seattle, WA, US"]


def test_no_lookup_export_holds_an_empty_jurisdiction(client, legal, listed_in_two_operations):
    client.force_login(legal)
    exported = client.post(reverse("directory:lookup_xlsx"), {"numbers": NUMBER})
    assert xlsx_jurisdictions(exported) == ["Seattle, WA, US"]
    report = client.post(reverse("directory:evidence_report"), {"number": NUMBER})
    assert report_jurisdictions(report) == ["Seattle, WA, US"]


@pytest.fixture
def screening(hr):
    screening = ScreeningFactory(organization=hr.membership.organization, filename="phones.csv")
    result = partial(ScreeningResultFactory, screening=screening)
    result(row=2, e164="+13125550100", input="=cmd", label="=cmd")
    result(row=3, input="-12", label="@who", invalid=True)
    result(row=4, e164="+13125550100", input="3125550100", label="E-4", duplicate=True, first_row=2)
    return screening


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_keeps_the_e164_as_it_is_and_escapes_text_from_the_user(client, hr, screening):
    client.force_login(hr)
    header, match, invalid, repeat = csv_rows(client.get(reverse("screenings:csv", args=[screening.pk])))
    assert header == EXPORT_COLUMNS
    row = dict(zip(header, match, strict=True))
    assert row["e164"] == "+13125550100"  # validated, no apostrophe
    assert row["label"] == "'=cmd" and row["input"] == "'=cmd"
    assert (row["first_contact"], row["contact_count"], row["channels"]) == ("2024-01-05", "2", "call text")
    assert dict(zip(header, invalid, strict=True))["label"] == "'@who"
    assert dict(zip(header, repeat, strict=True))["repeat_of_row"] == "2"


def test_an_e164_cell_that_is_not_a_number_is_escaped():
    cells = export_cells(
        row=1, input="x", label="", e164="+1=1+1", outcome="invalid", reason="", first_row=None, evidence=None
    )
    assert csv_cells(cells)[EXPORT_COLUMNS.index("e164")] == "'+1=1+1"


def test_xlsx_cells_are_typed_and_the_disclaimer_comes_first(client, legal, screening):
    client.force_login(legal)
    response = client.get(reverse("screenings:xlsx", args=[screening.pk]))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="phones-results-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["About", "Results"]
    assert DISCLAIMER in [cell.value for row in workbook["About"].iter_rows() for cell in row]
    sheet = workbook["Results"]
    header, match, invalid, repeat = [list(row) for row in sheet.iter_rows()]
    assert [cell.value for cell in header] == EXPORT_COLUMNS
    cells = dict(zip(EXPORT_COLUMNS, match, strict=True))
    assert (cells["row"].value, cells["row"].data_type) == (2, "n")
    assert (cells["label"].value, cells["label"].data_type, cells["label"].number_format) == ("=cmd", "s", "@")
    assert (cells["e164"].value, cells["e164"].data_type) == ("+13125550100", "s")
    assert cells["first_contact"].is_date and cells["first_contact"].value.date() == date(2024, 1, 5)
    assert (cells["contact_count"].value, cells["contact_count"].data_type) == (2, "n")
    assert dict(zip(EXPORT_COLUMNS, invalid, strict=True))["input"].value == "-12"
    assert dict(zip(EXPORT_COLUMNS, repeat, strict=True))["repeat_of_row"].value == 2
    event = AuditEvent.objects.get(action="screening.exported")
    assert event.detail == {**screening.audit_detail, "format": "xlsx", "outcome": "all"}


def test_exports_take_the_outcome_filter(client, hr, screening):
    client.force_login(hr)
    rows = csv_rows(client.get(reverse("screenings:csv", args=[screening.pk]), {"outcome": "invalid"}))
    assert [row[0] for row in rows[1:]] == ["3"]
    response = client.get(reverse("screenings:xlsx", args=[screening.pk]), {"outcome": "match"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Results"]
    assert sheet.max_row == 2


def test_api_xlsx_has_the_same_columns_and_another_org_gets_a_404(api_client, hr, screening):
    api_client.force_authenticate(hr)
    response = api_client.get(f"/api/v1/screenings/{screening.pk}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Results"]
    assert [cell.value for cell in next(sheet.iter_rows())] == EXPORT_COLUMNS
    api_client.force_authenticate(MembershipFactory(role="admin").user)
    assert api_client.get(f"/api/v1/screenings/{screening.pk}/results.xlsx").status_code == 404


def test_an_export_names_each_numbers_phone_column(client, hr, screen):
    ContactFactory(number=ListedNumberFactory(e164="+12065550101"))
    ContactFactory(number=ListedNumberFactory(e164="+12065550102"))
    screening = screen(hr.membership, b"id,work phone,mobile\nE1,206-555-0101,206-555-0102\n")
    client.force_login(hr)
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(client.get(reverse("screenings:csv", args=[screening.pk])).streaming_content).decode())
        )
    )
    assert [(row["row"], row["phone_column"], row["e164"]) for row in rows] == [
        ("2", "work phone", "+12065550101"),
        ("2", "mobile", "+12065550102"),
    ]


def test_an_evidence_report_without_any_place_says_so_instead_of_an_empty_table(client, legal):
    number = ListedNumberFactory(e164=NUMBER)
    ContactFactory(number=number, operation=OperationFactory(city="", region="", country=""))
    client.force_login(legal)
    page = client.post(reverse("directory:evidence_report"), {"number": NUMBER}).content.decode()
    assert 'class="report-operations"' not in page
    assert "No jurisdiction is recorded for the operations in which the number made contact." in page
