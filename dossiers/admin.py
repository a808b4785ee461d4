from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

# Importing deadlines connects its CalendarException signal receivers in every process (the admin is
# autodiscovered at start-up), so an edit here reaches every cached calendar at once.
from . import deadlines
from .models import (
    Alert,
    CalendarException,
    Dossier,
    IssuedDocument,
    Notification,
    StepLog,
)


@admin.register(CalendarException)
class CalendarExceptionAdmin(SimpleHistoryAdmin):
    list_display = ("date", "weekday", "kind", "name", "agency")
    list_filter = ("kind", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "agency__name", "agency__code")
    date_hierarchy = "date"
    autocomplete_fields = ("agency",)
    ordering = ("-date",)

    @admin.display(description=_("thứ"), ordering="date")
    def weekday(self, obj):
        return deadlines.weekday_vn(obj.date)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Dossiers change only through the workflow (dossiers/workflow.py): the admin shows, it never edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepLogInline(admin.TabularInline):
    model = StepLog
    fields = ("at", "action", "from_status", "to_status", "by", "to_user", "to_agency", "step_due_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("code", "procedure", "applicant_name", "status", "channel", "received_at", "due_at",
                    "receiving_agency")
    list_filter = ("status", "channel", ("receiving_agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "applicant_name", "applicant_phone", "applicant_id_number")
    list_select_related = ("procedure", "receiving_agency")
    date_hierarchy = "received_at"
    inlines = [StepLogInline]
    show_full_result_count = False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "dossier", "agency", "issued_by", "issued_at")
    list_filter = ("kind",)
    search_fields = ("number", "dossier__code")
    list_select_related = ("dossier", "agency", "issued_by")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "kind", "deadline", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("dossier__code", "recipient__username")
    list_select_related = ("dossier", "recipient")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "event", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "event")
    search_fields = ("dossier__code", "recipient")
    list_select_related = ("dossier",)
