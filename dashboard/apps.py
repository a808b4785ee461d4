from django.apps import AppConfig


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"

    def ready(self):
        from . import receivers  # noqa: F401 (keeps the summary table current on every dossier event)
