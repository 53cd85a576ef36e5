from django.urls import include, path

from directory import views

app_name = "directory"

urlpatterns = [
    path(
        "lookup/",
        include(
            [
                path("", views.lookup, name="lookup"),
                path("exported/", views.lookup_exported, name="lookup_exported"),
                path("evidence/", views.evidence_report, name="evidence_report"),
                path("results.xlsx", views.lookup_xlsx, name="lookup_xlsx"),
            ]
        ),
    ),
]
