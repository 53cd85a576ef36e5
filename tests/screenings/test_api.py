import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from screenings.models import Screening, ScreeningResult
from tests.factories import ContactFactory, ListedNumberFactory, MembershipFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


def upload(api_client, data: bytes, name="list.csv", **fields):
    return api_client.post(
        "/api/v1/screenings/", {"file": SimpleUploadedFile(name, data), **fields}, format="multipart"
    )


def test_upload_answers_202_and_the_job_runs(as_member, hr, directory, samples, django_capture_on_commit_callbacks):
    client = as_member(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, (samples / "lists" / "plain_utf8.csv").read_bytes())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    detail = client.get(body["url"]).json()
    assert detail["status"] == "done"
    assert detail["progress"] == {"processed": 500, "total": 500}
    assert detail["counts"]["match"] > 0
    assert set(detail) >= {"id", "status", "filename", "created_at", "finished_at", "progress", "counts", "error"}


def test_legal_cannot_upload_or_delete(as_member, legal):
    client = as_member(legal)
    assert upload(client, b"phone\n2065550100\n").status_code == 403
    screening = ScreeningFactory(organization=legal.membership.organization)
    assert client.delete(f"/api/v1/screenings/{screening.pk}/").status_code == 403
    assert client.get(f"/api/v1/screenings/{screening.pk}/").status_code == 200


def test_another_orgs_screening_is_404_everywhere(as_member, hr):
    theirs = ScreeningFactory()
    client = as_member(hr)
    for url in ["", "results/", "results.csv"]:
        assert client.get(f"/api/v1/screenings/{theirs.pk}/{url}").status_code == 404
    assert client.delete(f"/api/v1/screenings/{theirs.pk}/").status_code == 404
    assert Screening.objects.filter(pk=theirs.pk).exists()


def test_list_is_the_orgs_newest_first_with_filters(as_member, hr):
    org = hr.membership.organization
    older = ScreeningFactory(organization=org, status="failed")
    newer = ScreeningFactory(organization=org)
    ScreeningFactory()
    client = as_member(hr)
    ids = [row["id"] for row in client.get("/api/v1/screenings/").json()["results"]]
    assert ids == [str(newer.pk), str(older.pk)]
    assert [row["id"] for row in client.get("/api/v1/screenings/", {"status": "failed"}).json()["results"]] == [
        str(older.pk)
    ]


def test_results_filter_and_csv_escape_formulas(as_member, hr, directory, samples, django_capture_on_commit_callbacks):
    client = as_member(hr)
    with django_capture_on_commit_callbacks(execute=True):
        body = upload(client, (samples / "lists" / "plain_utf8.csv").read_bytes()).json()
    matches = client.get(f"{body['url']}results/", {"outcome": "match"}).json()
    assert matches["count"] > 0
    assert {row["outcome"] for row in matches["results"]} == {"match"}
    assert matches["results"][0]["evidence"]["contact_count"] >= 1

    response = client.get(f"{body['url']}results.csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["row", "input", "label", "e164", "outcome"]
    e164 = rows[0].index("e164")
    for row in rows[1:]:
        assert row[e164] == "" or re.fullmatch(r"\+[0-9]{1,19}", row[e164]), row  # system-made: never a formula
        for cell in row[:e164] + row[e164 + 1 :]:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert any(cell.startswith("'=") or cell.startswith("'\t=") for row in rows for cell in row)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"screening.created", "screening.results_viewed", "screening.exported"} <= actions


def test_delete_purges_the_screening(as_member, hr):
    screening = ScreeningFactory(organization=hr.membership.organization)
    assert as_member(hr).delete(f"/api/v1/screenings/{screening.pk}/").status_code == 204
    assert not Screening.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [(b"", 400, "empty"), (b"id,name\n1,Bob\n", 400, "No column of phone numbers")],
)
def test_bad_uploads_get_a_clear_400(as_member, hr, data, status, message):
    response = upload(as_member(hr), data)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_too_big_is_413(as_member, hr, settings):
    settings.SCREENING_MAX_BYTES = 5
    response = upload(as_member(hr), b"phone\n2065550100\n")
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_a_member_of_a_pending_org_cannot_see_screenings(as_member):
    member = MembershipFactory(organization__status="pending", role="admin").user
    assert as_member(member).get("/api/v1/screenings/").status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_the_screening_list_costs_a_count_and_a_page_whatever_its_length(
    api_client, hr, django_assert_num_queries, rows
):
    api_client.force_authenticate(hr)
    ScreeningFactory.create_batch(rows, organization=hr.membership.organization)
    with django_assert_num_queries(2):
        assert api_client.get("/api/v1/screenings/").json()["count"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_result_list_costs_the_same_whatever_its_length(api_client, hr, django_assert_num_queries, rows):
    api_client.force_authenticate(hr)
    screening = ScreeningFactory(organization=hr.membership.organization)
    ScreeningResult.objects.bulk_create(
        ScreeningResult(screening=screening, chunk_index=0, row=row, input=f"206555{row:04d}", outcome="invalid")
        for row in range(2, rows + 2)
    )
    with django_assert_num_queries(4):  # the screening, the audit event, a count and a page
        assert api_client.get(f"/api/v1/screenings/{screening.pk}/results/").json()["count"] == rows


def test_a_repeat_names_the_row_it_repeats_and_its_column(as_member, hr, screen):
    ContactFactory(number=ListedNumberFactory(e164="+12065550178"))
    screening = screen(hr.membership, b"id,mobile\nE1,206-555-0178\nE2,(206) 555-0178\n")
    rows = as_member(hr).get(f"/api/v1/screenings/{screening.pk}/results/").json()["results"]
    assert [(row["row"], row["column"], row["outcome"], row["first_row"]) for row in rows] == [
        (2, "mobile", "match", None),
        (3, "mobile", "duplicate", 2),
    ]


HR_EXPORT = b"id,work,mobile,home\nE1,206-555-0178,206-555-0179,\nE2,,(206) 555-0178,206-555-0180\n"


def screen_through_the_api(client, capture, **fields) -> list[tuple]:
    for e164 in ("+12065550178", "+12065550179", "+12065550180"):
        ContactFactory(number=ListedNumberFactory(e164=e164))
    with capture(execute=True):
        body = upload(client, HR_EXPORT, **fields).json()
    rows = client.get(f"{body['url']}results/").json()["results"]
    return [(row["row"], row["column"], row["e164"], row["outcome"], row["first_row"]) for row in rows]


def test_phone_columns_as_a_list_screens_each_and_rows_name_their_column(
    as_member, hr, django_capture_on_commit_callbacks
):
    client = as_member(hr)
    rows = screen_through_the_api(client, django_capture_on_commit_callbacks, phone_columns=["work", "mobile"])
    assert rows == [
        (2, "work", "+12065550178", "match", None),
        (2, "mobile", "+12065550179", "match", None),
        (3, "mobile", "+12065550178", "duplicate", 2),
    ]
    assert Screening.objects.get().phone_column == "work, mobile"


def test_a_single_phone_column_still_chooses_the_one_column_screened(as_member, hr, django_capture_on_commit_callbacks):
    client = as_member(hr)
    rows = screen_through_the_api(client, django_capture_on_commit_callbacks, phone_column="mobile")
    assert rows == [
        (2, "mobile", "+12065550179", "match", None),
        (3, "mobile", "+12065550178", "match", None),
    ]
    assert Screening.objects.get().phone_column == "mobile"
