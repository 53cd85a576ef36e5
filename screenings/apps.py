from django.apps import AppConfig


class ScreeningsConfig(AppConfig):
    name = "screenings"
    verbose_name = "Screenings and monitoring"
