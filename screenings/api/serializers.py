from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from directory.api.serializers import EvidenceSerializer, RegionField
from lib.phone_lists import Columns
from screenings.models import Screening, ScreeningResult


class ProgressSerializer(serializers.Serializer):
    processed = serializers.IntegerField(source="processed_rows")
    total = serializers.IntegerField(source="total_rows", allow_null=True)


class ScreeningSerializer(serializers.ModelSerializer):
    progress = ProgressSerializer(source="*")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = [
            "id",
            "status",
            "filename",
            "created_at",
            "finished_at",
            "progress",
            "counts",
            "error",
            "phone_column",
            "label_column",
            "region",
            "monitor",
            "url",
        ]

    def get_url(self, screening) -> str:
        return reverse("api:screening-detail", args=[screening.pk])


class ScreeningCreatedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = ["id", "status", "url"]

    def get_url(self, screening) -> str:
        return reverse("api:screening-detail", args=[screening.pk])


COLUMN_HELP = "A header name, or a column number counting from 1; empty: found from the header."


class ScreeningUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"CSV, XLSX or plain text; at most {settings.SCREENING_MAX_BYTES:,} bytes.")
    phone_column = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=COLUMN_HELP)
    phone_columns = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=20,
        help_text="Several phone columns (work, mobile, home), each screened; repeat the field for each.",
    )
    label_column = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=COLUMN_HELP)
    assigned_from_column = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=COLUMN_HELP
    )
    assigned_to_column = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=COLUMN_HELP)
    region = RegionField(required=False)
    monitor = serializers.BooleanField(required=False, default=False)

    def columns(self) -> Columns:
        data = self.validated_data
        phones = [*data.get("phone_columns", []), *([data["phone_column"]] if data.get("phone_column") else [])]
        return Columns(
            phones=tuple(phones),
            label=data.get("label_column") or None,
            assigned_from=data.get("assigned_from_column") or None,
            assigned_to=data.get("assigned_to_column") or None,
        )


class ScreeningResultSerializer(serializers.ModelSerializer):
    e164 = serializers.CharField(allow_null=True)
    column = serializers.SerializerMethodField(help_text="The file's phone column the number was in.")
    first_row = serializers.IntegerField(allow_null=True, help_text="For a repeat: the row it repeats.")
    evidence = EvidenceSerializer(allow_null=True)
    no_longer_listed = serializers.BooleanField(
        help_text="The number matched when screened but has since been put under review or removed."
    )

    class Meta:
        model = ScreeningResult
        fields = [*ScreeningResult.ROW_FIELDS, "evidence", "no_longer_listed"]
        read_only_fields = ["no_longer_listed"]

    def get_column(self, result) -> str:
        return self.context["layout"].column_name(result.column)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["e164"] = data["e164"] or None
        return data
