"""The staff statistics page: complete series, words not codes, tables and audited CSV downloads."""

import csv
import io
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from directory.retention import retention_cutoff
from disputes.models import Dispute
from front import statistics as stats
from front.charts import draw, nice_ticks
from tests.factories import ContactFactory, OperationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def months_ago(months: int):
    today = timezone.now()
    return today.replace(day=15) - timedelta(days=round(30.44 * months))


def test_contacts_per_month_covers_every_month_of_the_retention_period(settings):
    settings.RETENTION_YEARS = 2
    ContactFactory(occurred_at=months_ago(3))
    ContactFactory(occurred_at=months_ago(3))
    ContactFactory(occurred_at=months_ago(40))
    chart = stats.contacts_per_month()

    labels = [label for label, _ in chart.points]
    assert len(labels) == 2 * 12 + 1
    assert labels[0] == f"{retention_cutoff():%b %Y}"
    assert labels[-1] == f"{timezone.localdate():%b %Y}"
    values = dict(chart.points)
    assert values[f"{months_ago(3):%b %Y}"] == 2
    assert sorted(values.values()) == [0] * 24 + [2]
    assert chart.notes == [
        f"1 contact from before {retention_cutoff():%B %Y}, past the retention period, "
        "not shown: the daily purge deletes them."
    ]


def test_an_empty_directory_still_shows_every_month_as_zero(settings):
    settings.RETENTION_YEARS = 7
    chart = stats.contacts_per_month()
    assert len(chart.points) == 85
    assert chart.total == 0
    assert draw(chart).marks[0].height == 0


def test_categories_are_named_in_words():
    ContactFactory(channel="text", operation=OperationFactory(name="Spokane 2024", city="Spokane"))
    ContactFactory(channel="text", operation=OperationFactory(city="", region="", country=""))
    Dispute.objects.create(e164="+12065550123", contact_email="a@mail.example", statement="x")

    assert stats.contacts_per_channel().points == [("Call", 0), ("Text", 2)]
    assert ("Spokane, WA, US", 1) in stats.contacts_per_jurisdiction().points
    assert (stats.NO_JURISDICTION, 1) in stats.contacts_per_jurisdiction().points
    assert ("Spokane 2024", 1) in stats.contacts_per_operation().points
    assert stats.disputes_by_status().points[:2] == [("Open", 1), ("Under review", 0)]
    assert ("Pending approval", 0) in stats.organizations_by_status().points


def test_dispute_wait_gives_the_oldest_the_median_and_buckets():
    now = timezone.now()
    for days, status in [(3, "open"), (10, "under_review"), (40, "open"), (90, "removed")]:
        dispute = Dispute.objects.create(e164="+12065550123", contact_email="a@mail.example", statement="x")
        Dispute.objects.filter(pk=dispute.pk).update(created_at=now - timedelta(days=days), status=status)
    wait = stats.dispute_wait(now)
    assert (wait.waiting, wait.oldest, wait.median) == (3, 40, 10)
    assert wait.chart.points == [("Under 7 days", 1), ("7 to 30 days", 1), ("Over 30 days", 1)]


def test_lookups_and_screenings_per_week_count_audit_events():
    record_event(action="lookup")
    record_event(action="lookup")
    record_event(action="lookup.number")
    record_event(action="screening.created")
    lookups, screenings = stats.activity_per_week(timezone.localdate() + timedelta(weeks=1))
    assert len(lookups.points) == stats.WEEKS_SHOWN
    assert [value for _, value in lookups.points[-2:]] == [2, 0]
    assert [value for _, value in screenings.points[-2:]] == [1, 0]
    assert lookups.points[-2][0].endswith(f"{timezone.localdate():%Y}")


def test_each_chart_costs_one_query(django_assert_num_queries):
    for selector in (stats.contacts_per_month, stats.contacts_per_jurisdiction, stats.dispute_wait):
        with django_assert_num_queries(1):
            selector()
    with django_assert_num_queries(1):
        stats.activity_per_week()


@pytest.mark.parametrize(
    ("top", "ticks"), [(0, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (1308, [0, 500, 1000, 1500])]
)
def test_axis_ticks_are_round_numbers(top, ticks):
    assert nice_ticks(top) == ticks


def test_the_page_draws_every_chart_with_its_table(client, staff):
    ContactFactory()
    client.force_login(staff)
    response = client.get(reverse("statistics"))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<svg class="chart-svg') == content.count('<table class="chart-table">') == 9
    assert content.count("<h1") == 1
    for words in ("Contacts per month", "Contacts per jurisdiction", "Lookups per week", "No dispute is waiting"):
        assert words in content
    assert "under_review" not in content
    assert ' style="' not in content


SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def drawn_words(content: str) -> dict[str, dict[str, list[str]]]:
    """The words each chart's drawing shows a reader, by chart and by kind of text (axis-title, value)."""
    drawn = {}
    for markup in re.findall(r'<svg class="chart-svg.*?</svg>', content, re.DOTALL):
        svg = ElementTree.fromstring(markup)  # noqa: S314 - the page this test rendered
        words: dict[str, list[str]] = {}
        for text in svg.iter(SVG_TEXT):
            words.setdefault(text.get("class"), []).append(text.text)
        drawn[svg.get("aria-labelledby").removesuffix("-svg-title")] = words
    return drawn


def test_every_chart_shows_its_axis_titles_and_its_values(client, staff):
    ContactFactory(channel="text", occurred_at=timezone.now(), operation=OperationFactory(name="Spokane 2024"))
    ContactFactory(occurred_at=timezone.now())
    Dispute.objects.create(e164="+12065550123", contact_email="a@mail.example", statement="x")
    OrganizationFactory()
    record_event(action="lookup")
    record_event(action="screening.created")
    client.force_login(staff)
    drawn = drawn_words(client.get(reverse("statistics")).content.decode())

    charts = stats.all_charts()
    assert list(drawn) == [chart.slug for chart in charts]
    for chart in charts:
        words = drawn[chart.slug]
        assert sorted(words["axis-title"]) == sorted([chart.category, chart.measure]), chart.slug
        # Columns over time leave empty weeks and months unlabelled; bars label every category.
        shown = [str(value) for _, value in chart.points if value or not chart.over_time]
        assert words["value"] == shown, chart.slug
        assert shown.count("0") < len(shown), chart.slug


def test_the_tables_of_charts_over_time_are_shown_without_opening_anything(client, staff):
    client.force_login(staff)
    content = client.get(reverse("statistics")).content.decode()
    assert "<details" not in content
    for title in ("Contacts per month", "Lookups per week", "Screenings per week"):
        region = f'<div class="chart-table-scroll" role="region" tabindex="0" aria-label="{title}, as a table">'
        assert region in content


def test_a_chart_downloads_as_csv_and_the_download_is_audited(client, staff):
    ContactFactory(operation=OperationFactory(name="=HYPERLINK(evil)"))
    client.force_login(staff)
    response = client.get(reverse("statistics"), {"format": "csv", "chart": "contacts-per-operation"})
    assert response["Content-Disposition"] == 'attachment; filename="contacts-per-operation.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Operation", "Contacts"], ["'=HYPERLINK(evil)", "1"]]
    event = AuditEvent.objects.get(action="statistics.exported")
    assert (event.actor, event.detail) == (staff, {"chart": "contacts-per-operation"})


def test_an_unknown_chart_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get(reverse("statistics"), {"format": "csv", "chart": "nope"}).status_code == 404


def test_members_get_no_statistics(client, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("statistics"), {"format": "csv", "chart": "contacts-per-month"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="statistics.exported").exists()
