from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.models import ApiKey

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: acts as the key's member, with that member's role.

    Revoked or expired keys, inactive users and members of organizations that
    are not approved are refused on every request.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(
                "This API key is not valid, or it was revoked or has expired."
            ) from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        user = api_key.user
        if not user.is_active or user.active_membership is None:
            raise exceptions.AuthenticationFailed("This API key's organization is not approved.")
        return user, api_key

    def authenticate_header(self, request):
        return KEYWORD


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions count only once the second factor is passed (when REQUIRE_2FA is on)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if settings.REQUIRE_2FA and not request._request.user.is_verified():
            return None
        return result
