from django.apps import AppConfig


class PrivateScreeningConfig(AppConfig):
    name = "private_screening"
    verbose_name = "Private screening"

    def ready(self):
        from private_screening import signals  # noqa: F401  (rebuilds the set-up when the directory changes)
