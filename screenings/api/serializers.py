from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from directory.api.serializers import EvidenceSerializer, RegionField
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


class ScreeningUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"CSV, XLSX or plain text; at most {settings.SCREENING_MAX_BYTES:,} bytes.")
    phone_column = serializers.CharField(required=False, allow_blank=True, max_length=200)
    label_column = serializers.CharField(required=False, allow_blank=True, max_length=200)
    region = RegionField(required=False)
    monitor = serializers.BooleanField(required=False, default=False)


class ScreeningResultSerializer(serializers.ModelSerializer):
    e164 = serializers.CharField(allow_null=True)
    evidence = EvidenceSerializer(allow_null=True)
    no_longer_listed = serializers.BooleanField(
        help_text="The number matched when screened but has since been put under review or removed."
    )

    class Meta:
        model = ScreeningResult
        fields = ["row", "input", "label", "e164", "outcome", "reason", "evidence", "no_longer_listed"]
        read_only_fields = ["no_longer_listed"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["e164"] = data["e164"] or None
        return data
