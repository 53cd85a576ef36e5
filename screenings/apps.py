from django.apps import AppConfig


class ScreeningsConfig(AppConfig):
    name = "screenings"
    verbose_name = "Screenings and monitoring"

    def ready(self):
        from screenings import signals  # noqa: F401  (connects the receivers of the directory's signals)
