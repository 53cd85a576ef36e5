"""The product's URLs plus `POST /bench/floor/`, the framework's floor for the lookup benchmark."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import CanLookUp
from config.urls import urlpatterns as product_urlpatterns
from directory.api.lookup_views import LookupView


class FloorView(APIView):
    """Authenticates and checks permission exactly as a lookup does, then does nothing else."""

    authentication_classes = LookupView.authentication_classes
    permission_classes = [CanLookUp]

    def post(self, request):
        return Response({})


urlpatterns = [path("bench/floor/", FloorView.as_view(), name="bench-floor"), *product_urlpatterns]
