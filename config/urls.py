from django.contrib import admin
from django.urls import include, path

from front.views import statistics

admin.site.site_header = "Accountability Directory — curation"
admin.site.site_title = "Accountability Directory"
admin.site.index_title = "Curation"
# The index lists every table; a sidebar repeating it would leave tables too little room at 1280 px.
admin.site.enable_nav_sidebar = False

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

handler400 = "front.errors.bad_request"
handler403 = "front.errors.permission_denied"
handler404 = "front.errors.page_not_found"
handler500 = "front.errors.server_error"
