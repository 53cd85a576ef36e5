import re

from django import forms
from django.conf import settings

from directory.matching import MatchInput
from lib.forms import RegionField

LINE_SEPARATORS = re.compile(r"[,;\t]")


class LookupForm(forms.Form):
    numbers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=(
            "One number a line, in any format, up to 1,000. A line may add the dates the company held the number: "
            "<code>206-555-0123, 2022-01-01, 2023-06-30</code>."
        ),
    )
    region = RegionField(help_text="Two-letter region for numbers written without a country code.")
    assigned_from = forms.DateField(
        required=False,
        label="Held from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Applies to lines without dates of their own.",
    )
    assigned_to = forms.DateField(required=False, label="Held until", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if "numbers" in cleaned:
            cleaned["inputs"] = self._inputs(cleaned)
        return cleaned

    def _inputs(self, cleaned) -> list[MatchInput]:
        lines = [line for line in cleaned["numbers"].splitlines() if line.strip()]
        if len(lines) > settings.BATCH_LOOKUP_MAX:
            raise forms.ValidationError(
                f"At most {settings.BATCH_LOOKUP_MAX} numbers at once; you pasted {len(lines)}."
            )
        inputs = []
        for position, line in enumerate(lines, start=1):
            number, *window = (part.strip() for part in LINE_SEPARATORS.split(line))
            if len(window) > 2:
                raise forms.ValidationError(f"Line {position}: write the number, then at most two dates.")
            held_from = self._date(window[0], position) if window else cleaned.get("assigned_from")
            held_to = self._date(window[1], position) if len(window) > 1 else cleaned.get("assigned_to")
            inputs.append(MatchInput(raw=number, assigned_from=held_from, assigned_to=held_to))
        return inputs

    def _date(self, text: str, position: int):
        if not text:
            return None
        try:
            return forms.DateField().clean(text)
        except forms.ValidationError:
            raise forms.ValidationError(f"Line {position}: {text!r} is not a date (use YYYY-MM-DD).") from None


class LookupExportForm(forms.Form):
    """What the lookup page says it is about to export: how, and how many rows (never which)."""

    how = forms.ChoiceField(choices=[("download", "Download CSV"), ("copy", "Copy")])
    rows = forms.IntegerField(min_value=0, max_value=settings.BATCH_LOOKUP_MAX)


class EvidenceReportForm(forms.Form):
    """One looked-up number to check again for its evidence report, with the window it was checked with."""

    number = forms.CharField(max_length=100)
    region = RegionField()
    assigned_from = forms.DateField(required=False)
    assigned_to = forms.DateField(required=False)
