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
    path("screenings/<uuid:pk>/results.xlsx", views.screening_xlsx, name="xlsx"),
    path("screenings/<uuid:pk>/rows/<int:row>/evidence/", views.evidence_report, name="evidence"),
    path("screenings/<uuid:pk>/watch/", views.watch_start, name="watch_start"),
    path("screenings/<uuid:pk>/delete/", views.screening_delete, name="delete"),
    path("watches/", views.watches, name="watches"),
    path("watches/<int:pk>/stop/", views.watch_stop, name="watch_stop"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/review/", views.alert_review, name="alert_review"),
]
