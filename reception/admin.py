from django.contrib import admin

from .models import Counter, DeskService, Ticket


@admin.register(DeskService)
class DeskServiceAdmin(admin.ModelAdmin):
    list_display = ("letter", "name", "agency", "order", "is_active")
    list_filter = ("is_active", "agency")
    search_fields = ("name", "letter", "agency__name")
    filter_horizontal = ("fields",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "agency", "is_active")
    list_filter = ("is_active", "agency")
    search_fields = ("name", "agency__name")
    filter_horizontal = ("services",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # Tickets are written by the kiosk and the counters only; the admin is for looking back.
    list_display = ("label", "day", "service", "priority", "status", "counter", "called_by", "called_at")
    list_filter = ("day", "status", "priority", "agency")
    list_select_related = ("service", "counter", "called_by")
    date_hierarchy = "day"
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False
