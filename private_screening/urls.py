from django.urls import path

from private_screening import views

app_name = "private_screening"

urlpatterns = [
    path("screenings/private/", views.private_screening, name="how_to"),
    path("screenings/private/client.tar.gz", views.client_download, name="client"),
]
