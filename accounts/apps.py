from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and members"

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the log-in audit receivers)
