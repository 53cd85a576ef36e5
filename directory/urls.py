from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
]
