from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import active_membership
from api.permissions import CanLookUp, CanScreen
from audit.services import record_event
from directory.exports import XLSX_TYPE
from screenings import selectors, services
from screenings.api.serializers import (
    ScreeningCreatedSerializer,
    ScreeningResultSerializer,
    ScreeningSerializer,
    ScreeningUploadSerializer,
)
from screenings.exports import csv_response, xlsx_response
from screenings.models import Screening

OUTCOME_PARAMETER = OpenApiParameter(
    "outcome", enum=selectors.RESULT_OUTCOMES, description="Only rows with this outcome."
)


class ScreeningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The organization's screenings; another organization's screening is a 404."""

    serializer_class = ScreeningSerializer
    filterset_class = selectors.ScreeningFilterSet
    parser_classes = [MultiPartParser]

    def get_permissions(self):
        return [CanScreen()] if self.action in ("create", "destroy") else [CanLookUp()]

    def get_queryset(self):
        membership = active_membership(self.request.user)
        if membership is None:
            return Screening.objects.none()
        return selectors.organization_screenings(membership.organization)

    @extend_schema(request=ScreeningUploadSerializer, responses={202: ScreeningCreatedSerializer})
    def create(self, request):
        form = ScreeningUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            screening = services.create_screening(
                membership=active_membership(request.user),
                filename=upload.name,
                data=services.read_upload(upload),
                columns=form.columns(),
                region=form.validated_data.get("region", ""),
                monitor=form.validated_data["monitor"],
                request=request,
            )
        except services.ScreeningRejected as error:
            return Response({"detail": error.message}, status=error.status)
        return Response(ScreeningCreatedSerializer(screening).data, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance):
        services.delete_screening(screening=instance, request=self.request)

    @extend_schema(
        responses={200: ScreeningResultSerializer(many=True)},
        parameters=[OUTCOME_PARAMETER],
    )
    @action(detail=True, filter_backends=[])
    def results(self, request, pk=None):
        screening = self.get_object()
        results = selectors.ResultFilterSet(request.GET, queryset=selectors.screening_results(screening)).qs
        record_event(action="screening.results_viewed", request=request, detail=screening.audit_detail)
        page = self.paginate_queryset(results)
        context = {"layout": screening.column_layout}
        return self.get_paginated_response(ScreeningResultSerializer(page, many=True, context=context).data)


class ScreeningExportView(APIView):
    """The screening's stored rows (every outcome but no_match), in the columns every export of results has."""

    permission_classes = [CanLookUp]
    export = None  # the format's response: csv_response or xlsx_response

    def get(self, request, pk):
        membership = active_membership(request.user)
        screening = get_object_or_404(selectors.organization_screenings(membership.organization), pk=pk)
        return self.export(request, screening, request.GET.get("outcome", ""))


class ScreeningResultsCsvView(ScreeningExportView):
    """CSV, its text escaped against formula injection; the E.164 column is validated and left as it is."""

    export = staticmethod(csv_response)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="CSV file")},
        parameters=[OUTCOME_PARAMETER],
    )
    def get(self, request, pk):
        return super().get(request, pk)


class ScreeningResultsXlsxView(ScreeningExportView):
    """XLSX with every cell typed (text as text, numbers as numbers, dates as dates), the disclaimer first."""

    export = staticmethod(xlsx_response)

    @extend_schema(
        responses={(200, XLSX_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY, description="XLSX workbook")},
        parameters=[OUTCOME_PARAMETER],
    )
    def get(self, request, pk):
        return super().get(request, pk)
