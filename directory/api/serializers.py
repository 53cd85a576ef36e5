from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from directory.importing import IMPORT_OUTCOMES
from directory.matching import DISCLAIMER, MatchInput, MatchResult, Outcome
from directory.models import Contact, ContactImport, ListedNumber, Operation
from directory.services import DirectoryError, check_contact_dates, check_status_change
from lib.phone import InvalidNumber, UnknownRegion, clean_region, to_e164


class NumberInputField(serializers.CharField):
    """Takes a number in any format and gives E.164, or a plain error."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return to_e164(text, settings.DEFAULT_REGION)
        except InvalidNumber as error:
            raise serializers.ValidationError(str(error)) from None


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
    e164 = NumberInputField(
        validators=[UniqueValidator(queryset=ListedNumber.objects.all(), message="This number is already listed.")]
    )

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
        status = attrs.get("status", getattr(self.instance, "status", ListedNumber.Status.LISTED))
        reason = attrs.get("status_reason", getattr(self.instance, "status_reason", ""))
        try:
            check_status_change(status, reason)
        except DirectoryError as error:
            raise serializers.ValidationError({"status_reason": str(error)}) from None
        return attrs


class ListedNumberUpdateSerializer(ListedNumberSerializer):
    """Changing a number's status and reason; the number itself never changes."""

    e164 = serializers.CharField(read_only=True)


class ContactSerializer(serializers.ModelSerializer):
    number = NumberInputField(source="number.e164")
    recorded_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

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

    def validate(self, attrs):
        operation = attrs.get("operation", getattr(self.instance, "operation", None))
        occurred_at = attrs.get("occurred_at", getattr(self.instance, "occurred_at", None))
        try:
            check_contact_dates(operation=operation, occurred_at=occurred_at, stored=self.instance)
        except DirectoryError as error:
            raise serializers.ValidationError({"occurred_at": str(error)}) from None
        return attrs


class ImportProgressSerializer(serializers.Serializer):
    processed = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True)


class ContactImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    create_operations = serializers.BooleanField(
        default=False, help_text="Create the operations the file names that do not exist yet."
    )
    allow_outside_operation = serializers.BooleanField(
        default=False,
        help_text="Add contacts dated outside their operation's dates, flagged in the report, instead of rejecting.",
    )


class ContactImportCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ContactImport.Status.choices)
    url = serializers.SerializerMethodField()

    def get_url(self, contact_import) -> str:
        return reverse("api:contact-import-detail", args=[contact_import.pk])


class ContactImportJobSerializer(ContactImportCreatedSerializer):
    filename = serializers.CharField()
    create_operations = serializers.BooleanField()
    allow_outside_operation = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()
    counts = serializers.DictField(child=serializers.IntegerField())
    error = serializers.CharField()
    rows_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, contact_import) -> dict:
        return {"processed": contact_import.processed_rows, "total": contact_import.total_rows}

    def get_rows_url(self, contact_import) -> str:
        return reverse("api:contact-import-rows", args=[contact_import.pk])

    def get_csv_url(self, contact_import) -> str:
        return reverse("api:contact-import-csv", args=[contact_import.pk])


class ImportedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=IMPORT_OUTCOMES)
    number = serializers.CharField(help_text="E.164 when the number could be read, else as written in the file.")
    message = serializers.CharField()


class RegionField(serializers.CharField):
    """A two-letter region (ISO 3166) that phonenumbers knows, used for numbers without a country code."""

    def __init__(self, **kwargs):
        super().__init__(max_length=2, min_length=2, **kwargs)

    def to_internal_value(self, data):
        try:
            return clean_region(super().to_internal_value(data))
        except UnknownRegion as error:
            raise serializers.ValidationError(str(error)) from None


class LookupInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=250, trim_whitespace=False)
    assigned_from = serializers.DateField(required=False, allow_null=True)
    assigned_to = serializers.DateField(required=False, allow_null=True)

    def to_match_input(self) -> MatchInput:
        return as_match_input(self.validated_data)


def as_match_input(data: dict) -> MatchInput:
    return MatchInput(raw=data["number"], assigned_from=data.get("assigned_from"), assigned_to=data.get("assigned_to"))


class LookupRequestSerializer(LookupInputSerializer):
    region = RegionField(required=False)


class BatchItemField(serializers.Field):
    """A number as a string, or an object with the number and its window."""

    def to_internal_value(self, data):
        item = LookupInputSerializer(data={"number": data} if isinstance(data, str) else data)
        if not isinstance(data, str | dict) or not item.is_valid():
            raise serializers.ValidationError(
                item.errors if isinstance(data, dict) else "Each item is a number string or an object with 'number'."
            )
        return item.to_match_input()


class BatchLookupRequestSerializer(serializers.Serializer):
    numbers = serializers.ListField(
        child=BatchItemField(),
        min_length=1,
        max_length=settings.BATCH_LOOKUP_MAX,
        error_messages={"max_length": f"At most {settings.BATCH_LOOKUP_MAX} numbers in one batch."},
    )
    region = RegionField(required=False)


class OperationEvidenceSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)


class EvidenceSerializer(serializers.Serializer):
    e164 = serializers.CharField()
    first_contact = serializers.DateField()
    last_contact = serializers.DateField()
    contact_count = serializers.IntegerField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Contact.Channel.values))
    operations = OperationEvidenceSerializer(many=True)


class LookupResultSerializer(serializers.Serializer):
    input = serializers.CharField(source="input.raw")
    e164 = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.ALL)
    reason = serializers.CharField(allow_blank=True)
    evidence = EvidenceSerializer(allow_null=True)


def result_data(result: MatchResult) -> dict:
    """What LookupResultSerializer gives for a result, built directly (the serializer documents the schema).

    Single lookups answer hundreds of times a second; the nested serializer took a tenth of each request.
    """
    return {
        "input": result.input.raw,
        "e164": result.e164,
        "outcome": result.outcome,
        "reason": result.reason,
        "evidence": result.evidence,
    }


class LookupResponseSerializer(LookupResultSerializer):
    disclaimer = serializers.CharField(default=DISCLAIMER)


class BatchLookupResponseSerializer(serializers.Serializer):
    results = LookupResultSerializer(many=True)
    disclaimer = serializers.CharField(default=DISCLAIMER)
