from django.contrib import admin

from .models import Feedback, FeedbackEvent, Notice, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("dossier", "level", "criteria_points", "agency", "clerk", "channel", "created_at")
    list_filter = ("level", "channel", "agency")
    search_fields = ("dossier__code",)
    raw_id_fields = ("dossier", "clerk", "recorded_by")
    readonly_fields = ("created_at",)


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "by", "at", "from_agency", "to_agency", "note")

    def has_add_permission(self, request, obj=None):
        return False  # the log is written by the services only


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "status", "agency", "received_at", "answer_due_at")
    list_filter = ("status", "kind", "topic", "agency")
    search_fields = ("code", "title", "sender_name")
    raw_id_fields = ("dossier", "sender", "answered_by", "follow_up_of")
    readonly_fields = ("code", "received_at", "agency_received_at", "forwarded_at", "answered_at", "published_at")
    inlines = [FeedbackEventInline]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "deadline", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "rating", "feedback")
