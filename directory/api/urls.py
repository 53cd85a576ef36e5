from django.urls import path

from directory.api import views

urlpatterns = [
    path("contacts/import/", views.ContactImportView.as_view(), name="contact-import"),
]


def register(router) -> None:
    router.register("numbers", views.ListedNumberViewSet, basename="number")
    router.register("operations", views.OperationViewSet, basename="operation")
    router.register("contacts", views.ContactViewSet, basename="contact")
