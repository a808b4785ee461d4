from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

# Importing deadlines connects its CalendarException signal receivers in every process (the admin is
# autodiscovered at start-up), so an edit here reaches every cached calendar at once.
from . import deadlines
from .models import CalendarException


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
