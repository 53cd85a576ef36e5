from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import StaffModelPermissions
from directory import services
from directory.api.filters import ContactFilterSet, ListedNumberFilterSet, OperationFilterSet
from directory.api.serializers import (
    ContactImportSerializer,
    ContactSerializer,
    ImportReportSerializer,
    ListedNumberSerializer,
    ListedNumberUpdateSerializer,
    OperationSerializer,
)
from directory.importing import import_contacts
from directory.models import Contact, ListedNumber, Operation
from lib.tabular import UnreadableFile


class CurationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Staff curation: list, read, create and patch; nothing is deleted through the API."""

    permission_classes = [StaffModelPermissions]
    http_method_names = ["get", "post", "patch", "head", "options"]


class ListedNumberViewSet(CurationViewSet):
    queryset = ListedNumber.objects.all()
    serializer_class = ListedNumberSerializer
    filterset_class = ListedNumberFilterSet

    def get_serializer_class(self):
        return ListedNumberUpdateSerializer if self.action == "partial_update" else ListedNumberSerializer

    def perform_create(self, serializer):
        serializer.instance = services.add_number(
            number=ListedNumber(**serializer.validated_data), request=self.request
        )

    def perform_update(self, serializer):
        number = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.set_number_status(
            number=number,
            status=data.get("status", number.status),
            reason=data.get("status_reason", number.status_reason),
            request=self.request,
        )


class OperationViewSet(CurationViewSet):
    queryset = Operation.objects.all()
    serializer_class = OperationSerializer
    filterset_class = OperationFilterSet

    def perform_create(self, serializer):
        operation = serializer.save()
        services.record_operation_change(operation=operation, created=True, request=self.request)

    def perform_update(self, serializer):
        operation = serializer.save()
        services.record_operation_change(operation=operation, created=False, request=self.request)


class ContactViewSet(CurationViewSet):
    queryset = Contact.objects.select_related("number", "operation", "recorded_by")
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        e164 = data.pop("number")["e164"]
        serializer.instance = services.create_contact(e164=e164, request=self.request, actor=self.request.user, **data)

    def perform_update(self, serializer):
        contact = serializer.instance
        data = dict(serializer.validated_data)
        if "number" in data:
            contact.number, _ = services.get_or_create_number(data.pop("number")["e164"])
        for field, value in data.items():
            setattr(contact, field, value)
        services.save_contact(contact=contact, request=self.request, actor=self.request.user)


class ContactImportView(APIView):
    """Import a CSV of contacts; answers with a per-row report. Needs the permission to add contacts."""

    permission_classes = [StaffModelPermissions]
    queryset = Contact.objects.none()
    parser_classes = [MultiPartParser]

    @extend_schema(request=ContactImportSerializer, responses={200: ImportReportSerializer})
    def post(self, request):
        form = ContactImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            report = import_contacts(upload.read(), actor=request.user, filename=upload.name)
        except UnreadableFile as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ImportReportSerializer(report).data)
