from django.contrib import admin

from .models import DailyStat, MonthlyStat


class StatAdmin(admin.ModelAdmin):
    """Read-only: the rows are counts the summary keeps; fix data at the dossiers and run rebuild_stats."""

    list_display = ("agency", "procedure", "received", "finished", "finished_late")
    list_filter = ("agency",)
    raw_id_fields = ("agency", "procedure")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DailyStat)
class DailyStatAdmin(StatAdmin):
    list_display = ("day", *StatAdmin.list_display)
    date_hierarchy = "day"


@admin.register(MonthlyStat)
class MonthlyStatAdmin(StatAdmin):
    list_display = ("month", *StatAdmin.list_display)
