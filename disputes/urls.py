from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("disputes/new/", views.file_dispute, name="new"),
    path("disputes/new/code/", views.confirm_dispute, name="confirm"),
]
