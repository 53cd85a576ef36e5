"""Form fields for the kernel's rules, so every form reads numbers and regions the same way."""

from django import forms
from django.conf import settings

from lib.phone import InvalidNumber, UnknownRegion, clean_region, to_e164


class NumberField(forms.CharField):
    """A number typed in any format, cleaned to E.164 (DEFAULT_REGION for numbers without a country code)."""

    def clean(self, value):
        text = super().clean(value)
        if not text and not self.required:
            return text
        try:
            return to_e164(text, settings.DEFAULT_REGION)
        except InvalidNumber as error:
            raise forms.ValidationError(str(error)) from None


class RegionField(forms.CharField):
    """An optional two-letter region for numbers without a country code; empty means the default."""

    def __init__(self, **kwargs):
        super().__init__(max_length=2, required=False, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return clean_region(text) if text.strip() else ""
        except UnknownRegion as error:
            raise forms.ValidationError(str(error)) from None
