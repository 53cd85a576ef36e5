from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

OPEN_PREFIXES = ("/static/", "/accounts/two-factor/", "/accounts/logout/", "/accounts/password-reset/", "/api/")


class RequireTwoFactorMiddleware:
    """With REQUIRE_2FA on, a signed-in user must pass TOTP before any page.

    API requests authenticate per request (API key) and are not redirected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.needs_second_factor(request):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def needs_second_factor(request) -> bool:
        if not settings.REQUIRE_2FA or not request.user.is_authenticated:
            return False
        if request.path.startswith(OPEN_PREFIXES):
            return False
        return not request.user.is_verified()
