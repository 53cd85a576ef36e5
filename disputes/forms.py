from django import forms

from lib.forms import NumberField


class DisputeForm(forms.Form):
    number = NumberField(max_length=64, help_text="In any format; add the country code if it is not a US number.")
    contact_email = forms.EmailField(label="Your email", help_text="We write to you here when the dispute is resolved.")
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text="Why the listing is wrong, for example when you got this number.",
    )
    held_since = forms.DateField(
        required=False, label="I have had this number since", widget=forms.DateInput(attrs={"type": "date"})
    )
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        """The hidden field is empty for people; filled, the request is dropped without a word."""
        return bool(self.cleaned_data.get("website"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=12,
        help_text="The six digits in the text message we sent to the number.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
