from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password

from accounts.models import Membership, User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code", max_length=16, widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True})
    )


class RequestAccessForm(forms.Form):
    organization_name = forms.CharField(label="Organization", max_length=200)
    domain = forms.CharField(
        label="Email domain",
        max_length=253,
        help_text="The domain of your company's email addresses, e.g. example.com.",
    )
    name = forms.CharField(label="Your name", max_length=200)
    title = forms.CharField(label="Your title", max_length=200, help_text="For example: General Counsel, HR Director.")
    email = forms.EmailField(label="Your work email")
    reason = forms.CharField(
        label="Why your organization needs access", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200)
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput, min_length=12)

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password, User(email=self.email))
        return password


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=50, help_text="What uses this key, e.g. 'HRIS nightly check'.")
    member = forms.ModelChoiceField(queryset=Membership.objects.none())
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Leave empty for a key that does not expire."
    )

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = organization.memberships.select_related("user")
        self.fields["member"].label_from_instance = lambda membership: f"{membership.user.email} ({membership.role})"
