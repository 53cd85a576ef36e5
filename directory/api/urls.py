from django.urls import path

from directory.api import lookup_views, views

urlpatterns = [
    path("lookups/", lookup_views.LookupView.as_view(), name="lookup"),
    path("lookups/batch/", lookup_views.BatchLookupView.as_view(), name="lookup-batch"),
    path("contacts/import/", views.ContactImportView.as_view(), name="contact-import"),
    path("contacts/imports/<uuid:pk>/", views.ContactImportJobView.as_view(), name="contact-import-detail"),
    path("contacts/imports/<uuid:pk>/rows/", views.ContactImportRowsView.as_view(), name="contact-import-rows"),
    path("contacts/imports/<uuid:pk>/report.csv", views.ContactImportCsvView.as_view(), name="contact-import-csv"),
]


def register(router) -> None:
    router.register("numbers", views.ListedNumberViewSet, basename="number")
    router.register("operations", views.OperationViewSet, basename="operation")
    router.register("contacts", views.ContactViewSet, basename="contact")
