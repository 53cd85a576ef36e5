from django.contrib import admin
from django.urls import include, path

from front.views import statistics

admin.site.site_header = "Accountability Directory — curation"
admin.site.site_title = "Accountability Directory"
admin.site.index_title = "Curation"

urlpatterns = [
    path("admin/statistics/", statistics, name="statistics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("config.api_urls")),
    path("", include("directory.urls")),
    path("", include("private_screening.urls")),
    path("", include("screenings.urls")),
    path("", include("disputes.urls")),
    path("", include("front.urls")),
]

handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
