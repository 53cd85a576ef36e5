from django.urls import path

from front import views

app_name = "front"

urlpatterns = [
    path("", views.home, name="home"),
    path("how-it-works/", views.how_it_works, name="how_it_works"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
