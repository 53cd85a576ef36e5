import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lib.limits import quota_use
from screenings import services
from screenings.models import Alert, Screening, ScreeningDraft
from tests.factories import ContactFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


def upload(client, name: str, data: bytes):
    return client.post(reverse("screenings:new"), {"file": SimpleUploadedFile(name, data)})


def start(client, draft_url: str, **choices):
    """Start the screening with the choices the confirmation page shows, changed by `choices`."""
    form = client.get(draft_url).context["form"]
    data = {**{name: form[name].value() for name in form.fields}, **choices, "action": "start"}
    return client.post(draft_url, {name: value for name, value in data.items() if value not in (None, False)})


def test_hr_uploads_checks_the_columns_then_starts_and_sees_results_with_the_disclaimer(
    client, hr, directory, samples, django_capture_on_commit_callbacks
):
    client.force_login(hr)
    data = (samples / "lists" / "windows.csv").read_bytes()
    response = upload(client, "windows.csv", data)
    draft = ScreeningDraft.objects.get()
    assert response["Location"] == reverse("screenings:confirm", args=[draft.pk])
    page = client.get(response["Location"])
    assert not Screening.objects.exists(), "nothing starts before the uploader confirms"
    assert quota_use(hr.membership.organization)["screened_rows"] == 0
    layout = page.context["layout"]
    assert [layout.column_name(index) for index in layout.phones] == ["msisdn"]
    assert page.context["form"]["label"].value() == "1"
    assert '<th scope="col">msisdn</th>' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = start(client, response["Location"])
    screening = Screening.objects.get()
    assert started["Location"] == reverse("screenings:detail", args=[screening.pk])
    assert not ScreeningDraft.objects.exists()
    page = client.get(started["Location"])
    content = page.content.decode()
    assert "does not say who used the phone" in content
    assert "Outside the window" in content
    assert screening.phone_column == "msisdn" and screening.label_column == "device_id"
    filtered = client.get(started["Location"], {"outcome": "match"})
    assert {r.outcome for r in filtered.context["page"]} == {"match"}
    csv = client.get(reverse("screenings:csv", args=[screening.pk]))
    assert csv["Content-Type"].startswith("text/csv")


def test_the_uploader_changes_the_phone_columns_before_starting(client, hr, django_capture_on_commit_callbacks):
    client.force_login(hr)
    data = b"id,work phone,mobile,notes\nE1,2065550100,2065550101,x\nE2,2065550102,2065550103,y\n"
    draft_url = upload(client, "hr.csv", data)["Location"]
    assert client.get(draft_url).context["form"]["phones"].value() == ["2", "3"]
    with django_capture_on_commit_callbacks(execute=True):
        start(client, draft_url, phones=["3"], label="")
    screening = Screening.objects.get()
    assert (screening.phone_column, screening.label_column, screening.total_rows) == ("mobile", "", 2)


def test_cancelling_an_upload_deletes_it_and_screens_nothing(client, hr):
    client.force_login(hr)
    draft_url = upload(client, "a.csv", b"phone\n2065550100\n")["Location"]
    client.post(draft_url, {"action": "cancel"})
    assert not ScreeningDraft.objects.exists()
    assert not Screening.objects.exists()


def test_an_upload_left_unconfirmed_is_deleted_after_an_hour(client, hr):
    client.force_login(hr)
    upload(client, "a.csv", b"phone\n2065550100\n")
    ScreeningDraft.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert services.purge_stale_drafts() == 1
    assert not ScreeningDraft.objects.exists()


def test_the_template_lists_the_columns_the_product_understands(client, hr):
    client.force_login(hr)
    csv_text = client.get(reverse("screenings:template", args=["csv"])).content.decode()
    assert csv_text.splitlines()[0] == "employee_id,work_phone,mobile_phone,assigned_from,assigned_to"
    xlsx = client.get(reverse("screenings:template", args=["xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        "employee_id",
        "work_phone",
        "mobile_phone",
        "assigned_from",
        "assigned_to",
    ]


def test_progress_endpoint_reports_rows(client, hr):
    screening = ScreeningFactory(
        organization=hr.membership.organization, status="running", total_rows=200, processed_rows=50
    )
    client.force_login(hr)
    state = client.get(reverse("screenings:status", args=[screening.pk])).json()
    assert state == {"status": "running", "processed": 50, "total": 200, "percent": 25, "finished": False}
    page = client.get(reverse("screenings:detail", args=[screening.pk])).content.decode()
    assert '<progress id="progress-bar" max="100" value="25">' in page


def test_a_file_with_no_column_found_shows_its_rows_to_choose_from(client, hr, django_capture_on_commit_callbacks):
    client.force_login(hr)
    draft_url = upload(client, "x.csv", b"id,name\n1,Bob\n2,Ann\n")["Location"]
    page = client.get(draft_url)
    assert page.context["inspection"].preview[1] == ["1", "Bob"]
    assert page.context["form"]["phones"].value() == []
    refused = client.post(draft_url, {"action": "start", "region": "US"})
    assert refused.status_code == 200 and refused.context["form"].errors["phones"]
    assert not Screening.objects.exists()


def test_delete_from_the_page(client, hr):
    screening = ScreeningFactory(organization=hr.membership.organization, filename="march.csv")
    client.force_login(hr)
    question = client.get(reverse("screenings:delete", args=[screening.pk]))
    assert "Delete this screening?" in question.content.decode() and "march.csv" in question.content.decode()
    assert Screening.objects.exists()
    client.post(reverse("screenings:delete", args=[screening.pk]))
    assert not Screening.objects.exists()


def test_admins_see_and_clear_alerts(client, org_admin):
    contact = ContactFactory()
    Alert.objects.create(organization=org_admin.membership.organization, contact=contact)
    client.force_login(org_admin)
    page = client.get(reverse("screenings:alerts"))
    assert contact.number.e164 in page.content.decode()
    client.post(reverse("screenings:alerts"))
    assert client.get(reverse("screenings:alerts")).context["alerts"] == []
