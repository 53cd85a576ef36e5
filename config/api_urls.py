"""The API under /api/v1/: each app registers its viewsets on one router; the schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from directory.api import urls as directory_urls
from private_screening.api import urls as private_screening_urls
from screenings.api import urls as screening_urls

app_name = "api"

router = SimpleRouter()
directory_urls.register(router)
screening_urls.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
        name="docs",
    ),
    path("", include(directory_urls.urlpatterns)),
    path("", include(screening_urls.urlpatterns)),
    path("", include(private_screening_urls.urlpatterns)),
    path("", include(router.urls)),
]
