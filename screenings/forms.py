from django import forms
from django.conf import settings

from lib.forms import RegionField
from lib.phone_lists import Columns, Layout

NO_COLUMN = ""


class UploadForm(forms.Form):
    """Step one: the file. Its first rows and the columns found are shown before anything starts."""

    file = forms.FileField(
        help_text=f"CSV (any delimiter; UTF-8, UTF-16 or Latin-1), XLSX, or plain text with one number a line. "
        f"At most {settings.SCREENING_MAX_ROWS:,} rows and {settings.SCREENING_MAX_BYTES // 1_000_000} MB."
    )


class ColumnsForm(forms.Form):
    """Step two: the columns found, which the uploader may change, the region and monitoring."""

    phones = forms.MultipleChoiceField(
        label="Phone columns",
        widget=forms.CheckboxSelectMultiple,
        help_text="Each column ticked is screened; a number in several of them counts once.",
    )
    label = forms.ChoiceField(
        label="Label column", required=False, help_text="Carried into the results, e.g. employee id."
    )
    assigned_from = forms.ChoiceField(label="Held from (column)", required=False)
    assigned_to = forms.ChoiceField(label="Held until (column)", required=False)
    region = RegionField(help_text="Region for numbers written without a country code.")
    monitor = forms.BooleanField(
        required=False,
        label="Keep these numbers under watch",
        help_text="Your organization is alerted when a watched number gets a new contact. "
        "Only keyed hashes of the numbers are kept.",
    )

    def __init__(self, *args, layout: Layout, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [(str(index + 1), layout.column_name(index)) for index in range(len(layout.headers))]
        optional = [(NO_COLUMN, "None"), *columns]
        self.fields["phones"].choices = columns
        for name in ("label", "assigned_from", "assigned_to"):
            self.fields[name].choices = optional

    @staticmethod
    def initial_for(layout: Layout, region: str) -> dict:
        def number(index: int | None) -> str:
            return NO_COLUMN if index is None else str(index + 1)

        return {
            "phones": [str(index + 1) for index in layout.phones],
            "label": number(layout.label),
            "assigned_from": number(layout.assigned_from),
            "assigned_to": number(layout.assigned_to),
            "region": region,
        }

    def columns(self) -> Columns:
        data = self.cleaned_data
        return Columns(
            phones=tuple(data["phones"]),
            label=data["label"],
            assigned_from=data["assigned_from"],
            assigned_to=data["assigned_to"],
        )


class AlertReviewForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
