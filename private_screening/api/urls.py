from django.urls import path

from private_screening.api import views

urlpatterns = [
    path("private-screenings/setup/", views.SetupView.as_view(), name="private-screening-setup"),
    path("private-screenings/", views.BlindedRequestView.as_view(), name="private-screening-request"),
    path("private-screenings/confirm/", views.ConfirmView.as_view(), name="private-screening-confirm"),
]
