from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory"

    def ready(self):
        from directory.api import schema  # noqa: F401  (registers the batch item's OpenAPI description)
