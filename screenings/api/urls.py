from django.urls import path

from screenings.api import views

urlpatterns = [
    path("screenings/<uuid:pk>/results.csv", views.ScreeningResultsCsvView.as_view(), name="screening-results-csv"),
    path("screenings/<uuid:pk>/results.xlsx", views.ScreeningResultsXlsxView.as_view(), name="screening-results-xlsx"),
]


def register(router) -> None:
    router.register("screenings", views.ScreeningViewSet, basename="screening")
