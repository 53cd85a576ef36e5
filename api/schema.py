"""OpenAPI descriptions of the project's own authentication classes."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension


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


class BatchItemSchema(OpenApiSerializerFieldExtension):
    """A batch item is a number string or an object with the number and its window."""

    target_class = "directory.api.serializers.BatchItemField"

    def map_serializer_field(self, auto_schema, direction):
        from directory.api.serializers import LookupInputSerializer

        component = auto_schema.resolve_serializer(LookupInputSerializer, direction)
        return {"oneOf": [{"type": "string"}, component.ref]}
