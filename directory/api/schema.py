"""OpenAPI descriptions of the directory API's own field types."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from directory.api.serializers import LookupInputSerializer


class BatchItemSchema(OpenApiSerializerFieldExtension):
    """A batch item is a number string or an object with the number and its window."""

    target_class = "directory.api.serializers.BatchItemField"

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(LookupInputSerializer, direction)
        return {"oneOf": [{"type": "string"}, component.ref]}
