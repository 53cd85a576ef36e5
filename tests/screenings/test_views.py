import io
import re
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from lib.hashing import number_hash
from lib.limits import quota_use
from screenings import monitoring, services
from screenings.models import Alert, Screening, ScreeningDraft, Watch, WatchedNumber
from tests.factories import ContactFactory, MembershipFactory, ScreeningFactory, ScreeningResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(org):
    """A finished screening of hr's organization with one stored row of each kind."""
    counts = {"match": 1_234, "outside_window": 1, "no_match": 11_107, "invalid": 1, "duplicate": 2}
    screening = ScreeningFactory(organization=org, filename="staff phones.csv", finished=True, counts=counts)
    result = partial(ScreeningResultFactory, screening=screening)
    result(row=12, e164="+13125550100", input="(312) 555-0100", label="E-12")
    result(row=20, e164="+13125550111", label="E-20", outside_window=True, contacts=("2023-02-01", "2023-05-01"))
    result(row=30, input="12", label="A-30", invalid=True)
    result(row=40, e164="+13125550100", input="312.555.0100", label="B-40", duplicate=True, first_row=12)
    return screening


def rows_of(response) -> list[int]:
    return [result.row for result in response.context["page"]]


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
    words = re.sub(r"<[^>]+>", "", content)
    assert "outside_window" not in words and "no_match" not in words
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


def test_the_preview_says_how_many_rows_and_numbers_the_file_holds(client, hr):
    client.force_login(hr)
    rows = b"".join(b"E%d,2065550%03d,2065551%03d\n" % (n, n, n) for n in range(1_200))
    page = client.get(upload(client, "hr.csv", b"id,work phone,mobile\n" + rows)["Location"])
    assert "About 2,400 numbers to screen in 1,200 rows" in " ".join(page.content.decode().split())


def test_an_upload_confirmed_after_its_lifetime_starts_nothing(client, hr):
    client.force_login(hr)
    draft_url = upload(client, "late.csv", b"phone\n2065550100\n")["Location"]
    form_page = client.get(draft_url)
    ScreeningDraft.objects.update(created_at=timezone.now() - timedelta(hours=services.DRAFT_HOURS, minutes=1))
    data = {name: form_page.context["form"][name].value() for name in ("phones", "region")}
    response = client.post(draft_url, {**data, "action": "start"}, follow=True)
    assert response.redirect_chain == [(reverse("screenings:new"), 302)]
    assert "late.csv was uploaded more than 1 hour ago, so it was deleted and nothing was screened." in (
        response.content.decode()
    )
    assert not Screening.objects.exists() and not ScreeningDraft.objects.exists()
    assert quota_use(hr.membership.organization)["screened_rows"] == 0


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


def test_cards_count_every_outcome_and_filter_the_table(client, hr, done):
    client.force_login(hr)
    url = reverse("screenings:detail", args=[done.pk])
    page = client.get(url)
    content = page.content.decode()
    assert "1,234" in content and "11,107" in content  # thousands separators
    cards = {card["words"]: card for card in page.context["cards"]}
    assert list(cards) == ["Match", "Outside the window", "Invalid", "Repeats", "No match"]
    assert not cards["No match"]["filters"]  # those rows are never stored: a count only
    assert 'href="?outcome=match"' in content
    assert rows_of(client.get(url, {"outcome": "outside_window"})) == [20]
    assert rows_of(client.get(url, {"outcome": "no_match"})) == [12, 20, 30, 40]  # not a filter: ignored


def test_rows_say_why_in_words(client, hr, done):
    client.force_login(hr)
    content = client.get(reverse("screenings:detail", args=[done.pk])).content.decode()
    assert "Held 1 Jan 2025 – until now;" in content and "contacts 1 Feb 2023 – 1 May 2023" in content
    assert "Repeat of" in content and "row 12</a>" in content
    assert "The number is too short." in content
    assert "Evidence report" in content


def test_outcome_badges_are_the_ones_the_lookup_page_shows(client, hr, done):
    client.force_login(hr)
    content = client.get(reverse("screenings:detail", args=[done.pk])).content.decode()
    badges = set(re.findall(r'class="badge (badge-[^"]+)"', content))
    assert {"badge-match", "badge-outside-window", "badge-invalid", "badge-duplicate"} <= badges
    assert '<span class="badge badge-outside-window">Outside the window</span>' in content


@pytest.mark.parametrize(
    ("sort", "rows"),
    [
        ("row", [12, 20, 30, 40]),
        ("-row", [40, 30, 20, 12]),
        ("label", [30, 40, 12, 20]),
        ("-outcome", [20, 12, 30, 40]),
        ("number", [30, 12, 40, 20]),
        ("evil; drop table", [12, 20, 30, 40]),
    ],
)
def test_columns_sort_from_a_whitelist(client, hr, done, sort, rows):
    client.force_login(hr)
    assert rows_of(client.get(reverse("screenings:detail", args=[done.pk]), {"sort": sort})) == rows


@pytest.mark.parametrize(
    ("search", "rows"),
    [("312-555-0100", [12, 40]), ("+1 (312) 555 0111", [20]), ("e-1", [12]), ("b-4", [40]), ("nobody", [])],
)
def test_search_by_number_in_any_format_or_by_label(client, hr, done, search, rows):
    client.force_login(hr)
    assert rows_of(client.get(reverse("screenings:detail", args=[done.pk]), {"q": search})) == rows


def test_pages_keep_filters_sort_and_search(client, hr, done, monkeypatch):
    from screenings import views

    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 1)
    client.force_login(hr)
    response = client.get(reverse("screenings:detail", args=[done.pk]), {"q": "3125550100", "sort": "-row"})
    assert rows_of(response) == [40]
    assert 'href="?q=3125550100&amp;sort=-row&amp;page=2"' in response.content.decode()


def test_progress_reports_rows_speed_and_time_left(client, hr):
    screening = ScreeningFactory(
        organization=hr.membership.organization,
        status="running",
        total_rows=200,
        processed_rows=50,
        started_at=timezone.now() - timedelta(seconds=100),
    )
    client.force_login(hr)
    state = client.get(reverse("screenings:status", args=[screening.pk])).json()
    assert {key: state[key] for key in ("status", "processed", "total", "percent", "finished")} == {
        "status": "running",
        "processed": 50,
        "total": 200,
        "percent": 25,
        "finished": False,
    }
    assert state["rows_per_second"] == 0.5 and state["seconds_left"] == 300
    assert state["text"] == "Running: 50 of 200 rows, 0.5 rows a second, about 5 minutes left."
    page = client.get(reverse("screenings:detail", args=[screening.pk])).content.decode()
    assert '<progress id="progress-bar" max="100" value="25">' in page
    assert "about 5 minutes left" in client.get(reverse("screenings:list")).content.decode()


def test_status_words_are_the_same_everywhere(client, hr):
    failed = ScreeningFactory(organization=hr.membership.organization, status="failed", error="The file is empty.")
    ScreeningFactory(organization=hr.membership.organization, status="queued")
    client.force_login(hr)
    listing = client.get(reverse("screenings:list")).content.decode()
    assert "Failed: The file is empty." in listing and "Queued" in listing
    assert "Failed: The file is empty." in client.get(reverse("screenings:detail", args=[failed.pk])).content.decode()
    dashboard = client.get(reverse("front:dashboard")).content.decode()
    assert "Failed: The file is empty." in dashboard and "Queued" in dashboard


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


def test_evidence_report_of_a_match_is_an_audited_export(client, legal, done):
    client.force_login(legal)
    response = client.get(reverse("screenings:evidence", args=[done.pk, 12]))
    content = response.content.decode()
    event = AuditEvent.objects.get(action="screening.evidence_report")
    assert event.number_hash == number_hash("+13125550100") and event.actor == legal
    assert "+13125550100" in content and "E-12" in content
    assert "does not say who used the phone" in content
    assert "What it may not conclude" in content
    assert "http://testserver/disputes/new/" in content
    assert f"event {event.pk}" in content


@pytest.mark.parametrize("row", [20, 30, 40, 99])
def test_only_a_match_has_an_evidence_report(client, hr, done, row):
    client.force_login(hr)
    assert client.get(reverse("screenings:evidence", args=[done.pk, row])).status_code == 404
    assert not AuditEvent.objects.filter(action="screening.evidence_report").exists()


def test_another_orgs_evidence_report_is_a_404(client, done):
    stranger = MembershipFactory(role="admin").user
    client.force_login(stranger)
    assert client.get(reverse("screenings:evidence", args=[done.pk, 12])).status_code == 404


def test_hr_starts_and_stops_watching_a_finished_screening(client, hr, done):
    client.force_login(hr)
    response = client.post(reverse("screenings:watch_start", args=[done.pk]))
    assert response["Location"] == reverse("screenings:watches")
    watch = Watch.objects.get()
    assert watch.numbers.count() == 2  # the match (and its repeat) and the number outside the window
    page = client.get(reverse("screenings:watches")).content.decode()
    assert "staff phones.csv, " in page and hr.email in page and "Stop watching" in page
    client.post(reverse("screenings:watch_stop", args=[watch.pk]))
    watch.refresh_from_db()
    assert watch.stopped_by == hr
    assert {"monitoring.watch_started", "monitoring.watch_stopped"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def visible_text(response) -> str:
    """What a reader sees of a page: no scripts, no tags and so no attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_member_pages_write_dates_in_words(client, hr, done):
    """The results with an outside-window row, an evidence report, the watch lists and the alerts."""
    watch = monitoring.start_watch(screening=done, membership=hr.membership)
    stopped = ScreeningFactory(organization=done.organization, filename="old.csv", finished=True)
    monitoring.stop_watch(
        watch=monitoring.start_watch(screening=stopped, membership=hr.membership), membership=hr.membership
    )
    watched = watch.numbers.get(row=12)
    for day in (1, 2):
        contact = ContactFactory(number__e164=f"+1312555020{day}", occurred_at=f"2025-03-0{day}T10:00:00Z")
        Alert.objects.create(organization=done.organization, watched_number=watched, contact=contact)
    monitoring.review_alert(alert=Alert.objects.last(), membership=hr.membership, note="Checked.")
    client.force_login(hr)
    pages = {
        "results": reverse("screenings:detail", args=[done.pk]),
        "evidence report": reverse("screenings:evidence", args=[done.pk, 12]),
        "watch lists": reverse("screenings:watches"),
        "alerts": reverse("screenings:alerts"),
    }
    texts = {name: visible_text(client.get(url)) for name, url in pages.items()}
    for name, text in texts.items():
        assert not ISO_DATE.search(text), f"{name}: {ISO_DATE.findall(text)}"
    assert "Held 1 Jan 2025 – until now" in texts["results"]
    assert "First contact 5 Jan 2024" in " ".join(texts["evidence report"].split())
    assert "old.csv, " in texts["watch lists"] and "Stopped " in texts["watch lists"]
    assert "1 Mar 2025" in texts["alerts"] and "2 Mar 2025" in texts["alerts"]


def test_big_counts_and_row_numbers_have_thousands_separators(client, hr, done):
    result = ScreeningResultFactory(screening=done, row=1_204, e164="+13125550300", label="E-1204")
    result.evidence["contact_count"] = 1_500
    result.save()
    watch = monitoring.start_watch(screening=done, membership=hr.membership)
    contact = ContactFactory(number__e164="+13125550300")
    Alert.objects.create(organization=done.organization, watched_number=watch.numbers.get(row=1_204), contact=contact)
    client.force_login(hr)
    report = " ".join(visible_text(client.get(reverse("screenings:evidence", args=[done.pk, 1_204]))).split())
    assert "Row 1,204 of the screening" in report and "Contacts 1,500" in report
    assert "E-1204, row 1,204 of" in " ".join(visible_text(client.get(reverse("screenings:alerts"))).split())


def test_the_audit_log_names_the_screening_each_event_is_about(client, hr, org_admin, done):
    client.force_login(hr)
    client.get(reverse("screenings:detail", args=[done.pk]))
    client.get(reverse("screenings:evidence", args=[done.pk, 12]))
    b"".join(client.get(reverse("screenings:csv", args=[done.pk]), {"outcome": "match"}).streaming_content)
    client.post(reverse("screenings:watch_start", args=[done.pk]))
    client.post(reverse("screenings:watch_stop", args=[Watch.objects.get().pk]))
    client.force_login(org_admin)
    log = " ".join(visible_text(client.get(reverse("accounts:audit_log"))).split())
    name = done.title
    for sentence in [
        f"Opened the results of the screening of {name}.",
        f"Opened the evidence report of row 12 of the screening of {name}.",
        f"Downloaded the results of the screening of {name} as CSV, only the rows “match”.",
        f"Started watching 2 numbers of the screening of {name}.",
        f"Stopped watching {name}.",
    ]:
        assert sentence in log
    assert str(done.pk) not in log and "(screening:" not in log.lower()


def test_legal_can_neither_watch_nor_see_watch_lists(client, legal, done):
    client.force_login(legal)
    assert client.post(reverse("screenings:watch_start", args=[done.pk])).status_code == 403
    assert client.get(reverse("screenings:watches")).status_code == 403
    assert not Watch.objects.exists()


def test_hr_sees_an_alert_with_its_row_and_label_and_reviews_it(client, hr, done):
    watch = Watch.objects.create(organization=done.organization, screening=done, name="staff phones.csv, 1 Jan 2026")
    contact = ContactFactory(number__e164="+13125550100")
    watched = WatchedNumber.objects.create(watch=watch, number_hash=number_hash("+13125550100"), label="E-12", row=12)
    alert = Alert.objects.create(organization=done.organization, watched_number=watched, contact=contact)
    client.force_login(hr)
    page = client.get(reverse("screenings:alerts")).content.decode()
    assert "+13125550100" in page and "E-12, row 12 of" in page
    assert reverse("screenings:detail", args=[done.pk]) in page
    client.post(reverse("screenings:alert_review", args=[alert.pk]), {"note": "Holder interviewed."})
    alert.refresh_from_db()
    assert alert.reviewed_by == hr and alert.review_note == "Holder interviewed."
    page = client.get(reverse("screenings:alerts"))
    assert page.context["alerts"] == [] and "Holder interviewed." in page.content.decode()
