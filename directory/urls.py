from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/exported/", views.lookup_exported, name="lookup_exported"),
    path("lookup/evidence/", views.evidence_report, name="evidence_report"),
    path("lookup/results.xlsx", views.lookup_xlsx, name="lookup_xlsx"),
]
