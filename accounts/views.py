from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services, two_factor
from accounts.decorators import role_required
from accounts.forms import (
    AcceptInvitationForm,
    ApiKeyForm,
    EmailAuthenticationForm,
    InviteForm,
    RequestAccessForm,
    RoleForm,
    TokenForm,
)
from accounts.models import Invitation, Membership
from accounts.questions import key_revocation, member_removal
from accounts.roles import ADMIN_ROLES
from audit.services import client_ip
from lib import limits
from lib.confirm import ask_first
from lib.http import limit_reached


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page; past the per-address or per-network limit it sends nothing.

    The answer is the same either way: it tells no one whether the address has an account,
    nor that it was throttled. The mailed link starts with SITE_URL, as every link the site
    mails does, whatever host the request named.
    """

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        try:
            limits.check_password_reset_rate(form.cleaned_data["email"], client_ip(self.request))
        except limits.LimitExceeded:
            return redirect(self.success_url)
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def safe_next(request, default: str = "front:dashboard") -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


@login_required
def two_factor_view(request):
    """Ask for the TOTP (or a recovery) code; set the authenticator up first if there is none."""
    if request.user.is_verified():
        return redirect(safe_next(request))
    if not two_factor.confirmed_devices(request.user):
        return two_factor_setup(request)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if two_factor.verify_token(request, form.cleaned_data["token"]):
            return redirect(safe_next(request))
        form.add_error("token", "That code is not right. Check your authenticator app's clock, or use a recovery code.")
    return render(request, "accounts/two_factor.html", {"form": form, "next": safe_next(request)})


def two_factor_setup(request):
    device = two_factor.pending_totp_device(request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        codes = two_factor.confirm_totp_device(request, device, form.cleaned_data["token"])
        if codes is not None:
            messages.success(request, "Two-factor sign-in is on.")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": safe_next(request)})
        form.add_error("token", "That code is not right. Scan the code again and type the six digits it shows now.")
    context = {
        "form": form,
        "qr_svg": two_factor.qr_code_svg(device),
        "secret": device.config_url,
        "next": safe_next(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def request_access(request):
    """Public: the answer is the same whether or not the domain has an organization."""
    form = RequestAccessForm(request.POST or None)
    if request.method == "POST":
        try:
            limits.check_access_request_rate(client_ip(request))
        except limits.LimitExceeded as error:
            return limit_reached(request, error)
        if form.is_valid():
            try:
                services.request_access(**form.cleaned_data, request=request)
            except services.AccessError as error:
                form.add_error(None, str(error))
            else:
                return render(request, "accounts/request_access_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/request_access.html", {"form": form})


def confirm_access_request(request, token: str):
    """The link from the confirmation mail: a button, so that mail scanners opening links confirm nothing."""
    details = services.open_access_request(token)
    if details is None:
        return render(request, "accounts/request_access_invalid.html", status=404)
    if request.method == "POST":
        services.confirm_access_request(token=token, request=request)
        return render(request, "accounts/request_access_done.html")
    return render(request, "accounts/request_access_confirm.html", {"details": details})


def accept_invitation(request, token: str):
    """Open an invitation link: sign up (or, signed in as the invitee, just join)."""
    invitation = services.open_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    signed_in = request.user if request.user.is_authenticated else None
    if signed_in and signed_in.email != invitation.email:
        return render(request, "accounts/invitation_wrong_user.html", {"invitation": invitation}, status=403)
    form = None if signed_in else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        fields = form.cleaned_data if form else {}
        try:
            membership = services.accept_invitation(token=token, user=signed_in, request=request, **fields)
        except services.AccessError as error:
            return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=409)
        if signed_in is None:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"You are now a member of {membership.organization}.")
        return redirect("front:dashboard")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


@role_required(*ADMIN_ROLES)
def members(request):
    organization = request.membership.organization
    invite_form = InviteForm(request.POST or None)
    if invite_form.is_valid():
        try:
            services.invite_member(
                organization=organization, invited_by=request.user, request=request, **invite_form.cleaned_data
            )
        except services.AccessError as error:
            invite_form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {invite_form.cleaned_data['email']}.")
            return redirect("accounts:members")
    context = {
        "members": [(member, member_removal(member)) for member in selectors.organization_members(organization)],
        "invitations": selectors.pending_invitations(organization),
        "invite_form": invite_form,
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/members.html", context)


def _run(request, action, *args, **kwargs) -> None:
    """Run a service and turn a refusal into a message on the next page."""
    try:
        action(*args, request=request, **kwargs)
    except services.AccessError as error:
        messages.error(request, str(error))


@require_POST
@role_required(*ADMIN_ROLES)
def member_role(request, pk: int):
    membership = get_object_or_404(Membership, pk=pk, organization=request.membership.organization)
    form = RoleForm(request.POST)
    if form.is_valid():
        _run(request, services.change_role, membership=membership, role=form.cleaned_data["role"])
    return redirect("accounts:members")


@role_required(*ADMIN_ROLES)
def member_remove(request, pk: int):
    """Asks first (GET shows the question), removes on POST."""
    membership = get_object_or_404(Membership, pk=pk, organization=request.membership.organization)
    if request.method != "POST":
        return ask_first(request, member_removal(membership), cancel_url=reverse("accounts:members"))
    _run(request, services.remove_member, membership=membership)
    return redirect("accounts:members")


def _invitation_action(service):
    """A POST-only view of the members page that applies `service` to one of the organization's invitations."""

    @require_POST
    @role_required(*ADMIN_ROLES)
    def view(request, pk: int):
        invitation = get_object_or_404(Invitation, pk=pk, organization=request.membership.organization)
        _run(request, service, invitation=invitation)
        return redirect("accounts:members")

    return view


invitation_resend = _invitation_action(services.resend_invitation)
invitation_revoke = _invitation_action(services.revoke_invitation)


@role_required(*ADMIN_ROLES)
def api_keys(request):
    organization = request.membership.organization
    form = ApiKeyForm(request.POST or None, organization=organization)
    if form.is_valid():
        api_key, key = services.create_api_key(
            user=form.cleaned_data["member"].user,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
            request=request,
        )
        return render(request, "accounts/api_key_created.html", {"api_key": api_key, "key": key})
    keys = [(key, key_revocation(key)) for key in selectors.organization_api_keys(organization)]
    context = {"keys": keys, "form": form}
    return render(request, "accounts/api_keys.html", context)


@role_required(*ADMIN_ROLES)
def api_key_revoke(request, pk: str):
    """Asks first (GET shows the question), revokes on POST."""
    api_key = get_object_or_404(selectors.organization_api_keys(request.membership.organization), pk=pk)
    if request.method != "POST":
        return ask_first(request, key_revocation(api_key), cancel_url=reverse("accounts:api_keys"))
    services.revoke_api_key(api_key=api_key, request=request)
    messages.success(request, f"Key {api_key.prefix}… revoked.")
    return redirect("accounts:api_keys")


@role_required(*ADMIN_ROLES)
def audit_log(request):
    filterset = selectors.OrganizationAuditFilter(request.GET or None, organization=request.membership.organization)
    page = Paginator(filterset.qs.select_related("actor"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"filter": filterset, "page": page})
