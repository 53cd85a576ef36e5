from django.conf import settings
from rest_framework import serializers

from directory.models import Contact, ListedNumber, Operation
from directory.phone import normalize


class NumberInputField(serializers.CharField):
    """Takes a number in any format and gives E.164, or a plain error."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        normalized = normalize(text, settings.DEFAULT_REGION)
        if not normalized.is_valid:
            raise serializers.ValidationError(f"Not a usable phone number: {normalized.reason}.")
        return normalized.e164


class OperationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Operation
        fields = [
            "id",
            "name",
            "partner_agency",
            "city",
            "region",
            "country",
            "started_on",
            "ended_on",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ListedNumberSerializer(serializers.ModelSerializer):
    e164 = NumberInputField()

    class Meta:
        model = ListedNumber
        fields = [
            "id",
            "e164",
            "region",
            "number_type",
            "status",
            "status_reason",
            "first_contact_at",
            "last_contact_at",
            "contact_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "region",
            "number_type",
            "first_contact_at",
            "last_contact_at",
            "contact_count",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        if attrs.get("status") == ListedNumber.Status.REMOVED and not attrs.get("status_reason", "").strip():
            raise serializers.ValidationError({"status_reason": "A reason is required to remove a number."})
        return attrs


class ListedNumberUpdateSerializer(ListedNumberSerializer):
    class Meta(ListedNumberSerializer.Meta):
        read_only_fields = [*ListedNumberSerializer.Meta.read_only_fields, "e164"]


class ContactSerializer(serializers.ModelSerializer):
    number = NumberInputField(source="number.e164")
    recorded_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "number",
            "operation",
            "occurred_at",
            "channel",
            "case_reference",
            "notes",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class ContactImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["added", "skipped", "rejected"])
    number = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = ImportedRowSerializer(many=True)
