import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screenings.models import Alert, Screening
from tests.factories import ContactFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


def test_hr_uploads_and_sees_results_with_the_disclaimer(
    client, hr, directory, samples, django_capture_on_commit_callbacks
):
    client.force_login(hr)
    data = (samples / "lists" / "windows.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("screenings:new"), {"file": SimpleUploadedFile("windows.csv", data)})
    screening = Screening.objects.get()
    assert response["Location"] == reverse("screenings:detail", args=[screening.pk])
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "does not say who used the phone" in content
    assert "Outside the window" in content
    assert screening.phone_column == "msisdn" and screening.label_column == "device_id"
    filtered = client.get(response["Location"], {"outcome": "match"})
    assert {r.outcome for r in filtered.context["page"]} == {"match"}
    csv = client.get(reverse("screenings:csv", args=[screening.pk]))
    assert csv["Content-Type"].startswith("text/csv")


def test_progress_endpoint_reports_rows(client, hr):
    screening = ScreeningFactory(
        organization=hr.membership.organization, status="running", total_rows=200, processed_rows=50
    )
    client.force_login(hr)
    state = client.get(reverse("screenings:status", args=[screening.pk])).json()
    assert state == {"status": "running", "processed": 50, "total": 200, "percent": 25, "finished": False}
    page = client.get(reverse("screenings:detail", args=[screening.pk])).content.decode()
    assert '<progress id="progress-bar" max="100" value="25">' in page


def test_an_unrecognized_file_shows_its_first_rows_to_choose_from(client, hr):
    client.force_login(hr)
    data = b"id,name\n1,Bob\n2,Ann\n"
    response = client.post(reverse("screenings:new"), {"file": SimpleUploadedFile("x.csv", data)})
    assert response.status_code == 400
    assert response.context["preview"][1] == ["1", "Bob"]
    assert b"No column of phone numbers" in response.content


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
