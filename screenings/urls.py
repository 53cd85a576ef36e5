from django.urls import path

from screenings import views

app_name = "screenings"

urlpatterns = [
    path("screenings/", views.screening_list, name="list"),
    path("screenings/new/", views.screening_new, name="new"),
    path("screenings/new/<uuid:pk>/", views.screening_confirm, name="confirm"),
    path("screenings/template.<str:kind>", views.screening_template, name="template"),
    path("screenings/<uuid:pk>/", views.screening_detail, name="detail"),
    path("screenings/<uuid:pk>/status/", views.screening_status, name="status"),
    path("screenings/<uuid:pk>/results.csv", views.screening_csv, name="csv"),
    path("screenings/<uuid:pk>/delete/", views.screening_delete, name="delete"),
    path("alerts/", views.alerts, name="alerts"),
]
