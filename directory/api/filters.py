import django_filters
from django.conf import settings

from api.filters import IdFilter, UtcIsoDateTimeFilter
from directory.models import Contact, ListedNumber, Operation
from lib.phone import normalize


def filter_by_number(queryset, field_name: str, value: str):
    normalized = normalize(value, settings.DEFAULT_REGION)
    if not normalized.is_valid:
        return queryset.none()
    return queryset.filter(**{field_name: normalized.e164})


class ListedNumberFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Number in any format")
    status = django_filters.MultipleChoiceFilter(choices=ListedNumber.Status.choices)
    region = django_filters.CharFilter(lookup_expr="iexact")
    number_type = django_filters.CharFilter()
    operation = IdFilter(field_name="contacts__operation", distinct=True)
    contact_after = UtcIsoDateTimeFilter(field_name="last_contact_at", lookup_expr="gte")
    contact_before = UtcIsoDateTimeFilter(field_name="first_contact_at", lookup_expr="lte")

    class Meta:
        model = ListedNumber
        fields = ["q", "status", "region", "number_type", "operation", "contact_after", "contact_before"]

    def search(self, queryset, name, value):
        return filter_by_number(queryset, "e164", value)


class OperationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    country = django_filters.CharFilter(lookup_expr="iexact")
    partner_agency = django_filters.CharFilter(lookup_expr="icontains")
    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Operation
        fields = ["q", "country", "partner_agency", "started_after", "started_before"]


class ContactFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Number in any format")
    operation = IdFilter(field_name="operation")
    channel = django_filters.ChoiceFilter(choices=Contact.Channel.choices)
    status = django_filters.ChoiceFilter(field_name="number__status", choices=ListedNumber.Status.choices)
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")

    class Meta:
        model = Contact
        fields = ["q", "operation", "channel", "status", "occurred_after", "occurred_before"]

    def search(self, queryset, name, value):
        return filter_by_number(queryset, "number__e164", value)
