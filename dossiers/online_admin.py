"""Admin of the fully online service (issue 7): read-only records for support staff and auditors.

Registered from dossiers/apps.py (kept out of dossiers/admin.py, which belongs to the workflow)."""

from django.contrib import admin

from .models import Payment, PaymentCallback, StoredDocument


class _ReadOnly(admin.ModelAdmin):
    """Written by the gateway's callbacks or the citizen; the admin only looks (a payment is evidence)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentCallbackInline(admin.TabularInline):
    model = PaymentCallback
    fields = ("received_at", "kind", "signature_valid", "outcome", "remote_addr", "params")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = ("txn_ref", "dossier", "amount_vnd", "status", "provider", "provider_reference", "paid_at",
                    "settled_by")
    list_filter = ("status", "provider")
    search_fields = ("txn_ref", "provider_reference", "dossier__code")
    list_select_related = ("dossier",)
    inlines = [PaymentCallbackInline]


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(_ReadOnly):
    list_display = ("received_at", "kind", "payment", "signature_valid", "outcome", "remote_addr")
    list_filter = ("kind", "signature_valid", "outcome")
    search_fields = ("payment__txn_ref",)


@admin.register(StoredDocument)
class StoredDocumentAdmin(_ReadOnly):
    list_display = ("title", "owner", "source", "size", "created_at")
    list_filter = ("source",)
    search_fields = ("title", "owner__username", "owner__cccd")
    list_select_related = ("owner",)
