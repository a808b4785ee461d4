from django.apps import AppConfig


class DossiersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dossiers"

    def ready(self):
        from . import (
            deadlines,  # noqa: F401 (connects the calendar cache invalidation to CalendarException)
            online_admin,  # noqa: F401 (payments, callbacks and the document store in the admin)
            tracking,  # noqa: F401 (drops a dossier's public tracking card when the dossier is saved)
        )
        from .notifications import receivers  # noqa: F401 (connects the citizen notifications to the workflow)
        from .payments import checks  # noqa: F401 (registers the payment deploy check)
        from .store import connect as connect_document_store

        connect_document_store()  # submitted files join the citizen's document store (issue 7)
