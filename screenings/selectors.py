from dataclasses import asdict, dataclass
from datetime import datetime

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from api.filters import UtcIsoDateTimeFilter
from directory.matching import Outcome
from directory.models import ListedNumber
from lib.phone import normalize
from screenings.models import Screening, ScreeningDraft, ScreeningResult

RESULT_OUTCOMES = [outcome for outcome in Outcome.ALL if outcome != Outcome.NO_MATCH]


def organization_screenings(organization) -> QuerySet[Screening]:
    return Screening.objects.filter(organization=organization).select_related("created_by")


def member_drafts(membership) -> QuerySet[ScreeningDraft]:
    """Uploads waiting for their uploader's confirmation; nobody else sees them."""
    return ScreeningDraft.objects.filter(organization=membership.organization, created_by=membership.user)


# The results table's sortable columns: what the page may ask for, and the order it means.
RESULT_SORTS = {
    "row": ("row",),
    "number": ("e164", "row"),
    "label": ("label", "row"),
    "outcome": ("outcome", "row"),
}


def unwatched_screenings(organization) -> QuerySet[Screening]:
    """Finished screenings no active watch covers: those a member may start watching."""
    return (
        organization_screenings(organization)
        .filter(status=Screening.Status.DONE)
        .exclude(watches__stopped_at__isnull=True)
    )


def screening_results(
    screening: Screening, outcome: str = "", *, search: str = "", sort: str = "row"
) -> QuerySet[ScreeningResult]:
    """Stored rows, in file order unless `sort` names a column ("-" first for descending).

    `still_listed` tells whether a matched number still matches today. `search` is a number in
    any format (matched on its E.164 in the screening's region) or else part of a label.
    """
    listed = ListedNumber.objects.matchable().filter(e164=OuterRef("e164"))
    results = screening.results.order_by(*result_ordering(sort)).annotate(still_listed=Exists(listed))
    if outcome:
        results = results.filter(outcome=outcome)
    if search.strip():
        number = normalize(search.strip(), screening.region)
        results = results.filter(e164=number.e164) if number.is_valid else results.filter(label__icontains=search)
    return results


def result_ordering(sort: str) -> tuple[str, ...]:
    """The order a sort key means; anything not on the list sorts by row."""
    descending = sort.startswith("-")
    fields = RESULT_SORTS.get(sort.removeprefix("-"), RESULT_SORTS["row"])
    return tuple(f"-{field}" for field in fields) if descending else fields


class ScreeningFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Screening.Status.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Screening
        fields = ["status", "created_after", "created_before"]


class ResultFilterSet(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(choices=[(outcome, outcome) for outcome in RESULT_OUTCOMES])

    class Meta:
        model = ScreeningResult
        fields = ["outcome"]


@dataclass(frozen=True)
class Progress:
    """What a running screening's progress bar tells: rows done of total, speed and time left."""

    status: str
    processed: int
    total: int | None
    percent: int
    rows_per_second: float | None
    seconds_left: int | None
    text: str

    def as_dict(self, finished: bool) -> dict:
        return {**asdict(self), "finished": finished}


def screening_progress(screening: Screening, now: datetime | None = None) -> Progress:
    """Speed from the start of the job to now; the time left assumes it keeps that speed."""
    now = now or timezone.now()
    rate = seconds_left = None
    elapsed = (now - screening.started_at).total_seconds() if screening.started_at else 0
    if screening.status == Screening.Status.RUNNING and elapsed > 0 and screening.processed_rows:
        rate = round(screening.processed_rows / elapsed, 1)
        if screening.total_rows:
            seconds_left = max(0, round((screening.total_rows - screening.processed_rows) / rate))
    return Progress(
        status=screening.status,
        processed=screening.processed_rows,
        total=screening.total_rows,
        percent=screening.percent,
        rows_per_second=rate,
        seconds_left=seconds_left,
        text=_progress_text(screening, rate, seconds_left),
    )


def _progress_text(screening: Screening, rate: float | None, seconds_left: int | None) -> str:
    if screening.status != Screening.Status.RUNNING:
        return screening.status_text
    total = "…" if screening.total_rows is None else f"{screening.total_rows:,}"
    parts = [f"Running: {screening.processed_rows:,} of {total} rows"]
    if rate:
        parts.append(f"{rate:,.0f} rows a second" if rate >= 10 else f"{rate:.1f} rows a second")
    if seconds_left is not None:
        parts.append(f"{duration_words(seconds_left)} left")
    return ", ".join(parts) + "."


def duration_words(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min"
