from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time in any UTC offset, turned into UTC; one out of range is a 400."""

    def to_python(self, value):
        try:
            moment = super().to_python(value)
            return moment.astimezone(UTC) if moment else moment
        except OverflowError:
            raise forms.ValidationError("This date and time is out of range.", code="overflow") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IdField(forms.IntegerField):
    """A database id: a whole number a 64-bit column holds, or a 400 (a larger one crashed SQLite)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField
