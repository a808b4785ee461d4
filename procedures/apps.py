from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "procedures"
    verbose_name = _("Danh mục thủ tục hành chính")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="procedures.register_sqlite_fold")
