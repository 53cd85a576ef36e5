"""Figures for the staff statistics page, each chart one query; they read the directory, disputes,
accounts and the audit log. Every series is complete: months and weeks without activity are zero,
statuses nobody is in are zero, so a chart never hides a gap."""

import statistics as maths
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncMonth, TruncWeek
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import Organization
from audit.models import AuditEvent
from directory.models import Contact
from directory.retention import retention_cutoff
from disputes.models import Dispute
from disputes.selectors import waiting_disputes

WEEKS_SHOWN = 26
NO_JURISDICTION = "No jurisdiction recorded"
AGE_BUCKETS = [(7, "Under 7 days"), (31, "7 to 30 days"), (None, "Over 30 days")]
WEEKLY_ACTIONS = {"lookup": "Lookups", "screening.created": "Screenings"}


@dataclass
class Chart:
    """One figure: its points in order, the words for its two axes and what a reader must know besides."""

    slug: str
    title: str
    category: str
    measure: str
    points: list[tuple[str, int]]
    over_time: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(value for _, value in self.points)


@dataclass
class DisputeWait:
    """How long the disputes still waiting for staff (open or under review) have waited, in days."""

    waiting: int
    oldest: int | None
    median: float | None
    chart: Chart

    @property
    def oldest_words(self) -> str:
        return days_in_words(self.oldest)

    @property
    def median_words(self) -> str:
        return days_in_words(self.median)


def days_in_words(days: float | None) -> str:
    if days is None:
        return ""
    return "less than a day" if days < 1 else f"{days:g} day{pluralize(days)}"


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s month to `last`'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _day(moment: datetime | date) -> date:
    return timezone.localtime(moment).date() if isinstance(moment, datetime) else moment


def contacts_per_month(today: date | None = None) -> Chart:
    """Every month of the retention period up to this one; contacts outside it are counted in a note."""
    today = today or timezone.localdate()
    months = month_starts(_day(retention_cutoff()), today)
    rows = Contact.objects.annotate(month=TruncMonth("occurred_at")).values("month").annotate(n=Count("id"))
    counts = {_day(row["month"]): row["n"] for row in rows.order_by()}
    chart = Chart(
        slug="contacts-per-month",
        title="Contacts per month",
        category="Month",
        measure="Contacts",
        points=[(f"{month:%b %Y}", counts.get(month, 0)) for month in months],
        over_time=True,
    )
    older = sum(n for month, n in counts.items() if month < months[0])
    later = sum(n for month, n in counts.items() if month > months[-1])
    if older:
        chart.notes.append(
            f"{older} contact{pluralize(older)} from before {months[0]:%B %Y}, past the retention period, "
            "not shown: the daily purge deletes them."
        )
    if later:
        chart.notes.append(f"{later} contact{pluralize(later)} dated after this month, not shown.")
    return chart


def contacts_per_operation() -> Chart:
    rows = Contact.objects.values("operation__name").annotate(n=Count("id")).order_by("-n", "operation__name")
    points = [(row["operation__name"], row["n"]) for row in rows]
    return Chart("contacts-per-operation", "Contacts per operation", "Operation", "Contacts", points)


def contacts_per_channel() -> Chart:
    counts = dict(Contact.objects.values_list("channel").annotate(n=Count("id")).order_by())
    points = [(channel.label, counts.get(channel.value, 0)) for channel in Contact.Channel]
    return Chart("contacts-per-channel", "Contacts per channel", "Channel", "Contacts", points)


def contacts_per_jurisdiction() -> Chart:
    rows = Contact.objects.values_list("operation__city", "operation__region", "operation__country")
    counts: dict[str, int] = {}
    for city, region, country, n in rows.annotate(n=Count("id")).order_by():
        place = ", ".join(part for part in (city, region, country) if part) or NO_JURISDICTION
        counts[place] = counts.get(place, 0) + n
    points = sorted(counts.items(), key=lambda point: (-point[1], point[0]))
    return Chart("contacts-per-jurisdiction", "Contacts per jurisdiction", "Jurisdiction", "Contacts", points)


def disputes_by_status() -> Chart:
    counts = dict(Dispute.objects.values_list("status").annotate(n=Count("id")).order_by())
    points = [(status.label, counts.get(status.value, 0)) for status in Dispute.Status]
    return Chart("disputes-by-status", "Disputes by status", "Status", "Disputes", points)


def dispute_wait(now: datetime | None = None) -> DisputeWait:
    """Days each waiting dispute has waited since it was filed, in buckets, with the oldest and the median."""
    now = now or timezone.now()
    ages = [(now - filed).days for filed in waiting_disputes().values_list("created_at", flat=True)]
    buckets = dict.fromkeys((label for _, label in AGE_BUCKETS), 0)
    for age in ages:
        buckets[next(label for limit, label in AGE_BUCKETS if limit is None or age < limit)] += 1
    chart = Chart(
        "disputes-waiting", "Disputes waiting for staff, by time waited", "Waiting", "Disputes", list(buckets.items())
    )
    return DisputeWait(len(ages), max(ages, default=None), maths.median(ages) if ages else None, chart)


def organizations_by_status() -> Chart:
    counts = dict(Organization.objects.values_list("status").annotate(n=Count("id")).order_by())
    points = [(status.label, counts.get(status.value, 0)) for status in Organization.Status]
    return Chart("organizations-by-status", "Organizations by status", "Status", "Organizations", points)


def week_starts(today: date, weeks: int = WEEKS_SHOWN) -> list[date]:
    """The Mondays of the last `weeks` weeks, this one included, oldest first."""
    this_week = today - timedelta(days=today.weekday())
    return [this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def activity_per_week(today: date | None = None) -> list[Chart]:
    """Lookups and screenings per week, counted from the audit log (counts only, nobody named)."""
    weeks = week_starts(today or timezone.localdate())
    since = timezone.make_aware(datetime.combine(weeks[0], time.min))
    events = AuditEvent.objects.filter(action__in=WEEKLY_ACTIONS, created_at__gte=since)
    rows = events.annotate(week=TruncWeek("created_at")).values_list("action", "week").annotate(n=Count("id"))
    counts = {(action, _day(week)): n for action, week, n in rows.order_by()}
    return [
        Chart(
            slug=f"{measure.lower()}-per-week",
            title=f"{measure} per week",
            category="Week of",
            measure=measure,
            points=[(f"{week.day} {week:%b %Y}", counts.get((action, week), 0)) for week in weeks],
            over_time=True,
        )
        for action, measure in WEEKLY_ACTIONS.items()
    ]


def all_charts(wait: DisputeWait | None = None) -> list[Chart]:
    """Every chart of the page, in the order it shows them."""
    return [
        contacts_per_month(),
        contacts_per_operation(),
        contacts_per_channel(),
        contacts_per_jurisdiction(),
        disputes_by_status(),
        (wait or dispute_wait()).chart,
        organizations_by_status(),
        *activity_per_week(),
    ]
