"""OpenAPI descriptions of the project's own authentication classes."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: acts as the key's member, with that member's role.",
        }


class VerifiedSessionScheme(SessionScheme):
    target_class = "api.authentication.VerifiedSessionAuthentication"
