from django import forms
from django.conf import settings

from lib.forms import RegionField


class ScreeningForm(forms.Form):
    file = forms.FileField(
        help_text=f"CSV (any delimiter; UTF-8, UTF-16 or Latin-1), XLSX, or plain text with one number a line. "
        f"At most {settings.SCREENING_MAX_ROWS:,} rows and {settings.SCREENING_MAX_BYTES // 1_000_000} MB."
    )
    phone_column = forms.CharField(
        required=False,
        max_length=200,
        help_text="Leave empty to find it from the header (phone, mobile, cell, msisdn…), or give its name or number.",
    )
    label_column = forms.CharField(
        required=False, max_length=200, help_text="Optional: a column carried into the results, e.g. employee id."
    )
    region = RegionField(help_text="Region for numbers without a country code; your organization's default if empty.")
    monitor = forms.BooleanField(
        required=False,
        label="Keep these numbers under watch",
        help_text="Your organization's admins are alerted when a watched number gets a new contact. "
        "Only keyed hashes of the numbers are kept.",
    )


class AlertReviewForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
