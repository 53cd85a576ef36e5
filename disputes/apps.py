from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes"

    def ready(self):
        from disputes import signals  # noqa: F401  (connects the receiver of the retention purge)
