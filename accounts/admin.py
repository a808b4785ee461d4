from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "phone", "email", "agency", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "agency")
    search_fields = ("username", "full_name", "phone", "email", "cccd")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Cổng một cửa"), {"fields": ("full_name", "phone", "cccd", "address", "agency", "identity_verified")}),
    )


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
