from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import two_factor
from accounts.forms import EmailAuthenticationForm, TokenForm


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
