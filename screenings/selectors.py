import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from api.filters import UtcIsoDateTimeFilter
from directory.matching import Outcome
from directory.models import ListedNumber
from screenings.models import Screening, ScreeningDraft, ScreeningResult

RESULT_OUTCOMES = [outcome for outcome in Outcome.ALL if outcome != Outcome.NO_MATCH]


def organization_screenings(organization) -> QuerySet[Screening]:
    return Screening.objects.filter(organization=organization).select_related("created_by")


def member_drafts(membership) -> QuerySet[ScreeningDraft]:
    """Uploads waiting for their uploader's confirmation; nobody else sees them."""
    return ScreeningDraft.objects.filter(organization=membership.organization, created_by=membership.user)


def screening_results(screening: Screening, outcome: str = "") -> QuerySet[ScreeningResult]:
    """Stored rows in file order; `still_listed` tells whether a matched number still matches today."""
    listed = ListedNumber.objects.matchable().filter(e164=OuterRef("e164"))
    results = screening.results.order_by("row").annotate(still_listed=Exists(listed))
    return results.filter(outcome=outcome) if outcome else results


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
