"""One-line hooks of the fully online service in the journey's and dossier pages (issue 7):
``{% load online_tags %}`` then ``{% payment_status dossier %}``, ``{% electronic_result dossier %}``,
``{% store_picker dossier index %}``."""

from django import template

from ..models import PaymentStatus, StoredDocument
from ..payments import services as payments
from ..results import result_available

register = template.Library()


@register.inclusion_tag("dossiers/online/_payment_status.html", takes_context=True)
def payment_status(context, dossier, public=False):
    """The fee and whether it is paid; for the owner a button to pay and the receipt.

    ``public`` (the tracking page): only paid or not, from the dossier's own fields (no query).
    """
    user = context.get("user")
    if public:
        return {"public": True, "dossier": dossier, "paid": dossier.fee_paid_at is not None,
                "paid_online": dossier.paid_online, "fee": dossier.fee_due_vnd}
    paid = dossier.payments.filter(status=PaymentStatus.PAID).select_related("receipt").first() if dossier.pk else None
    if paid and not paid.receipt_id:
        payments.ensure_receipt(paid)
    return {
        "dossier": dossier, "paid": paid, "fee": payments.fee_for(dossier),
        "pays_online": payments.pays_online(dossier),
        "can_pay": user is not None and payments.payment_problem(dossier, user) is None,
        "paid_at_desk": paid is None and dossier.fee_paid_at is not None,
    }


@register.inclusion_tag("dossiers/online/_result.html", takes_context=True)
def electronic_result(context, dossier, public=False):
    return {"dossier": dossier, "available": result_available(dossier), "public": public}


@register.inclusion_tag("dossiers/online/_store_picker.html", takes_context=True)
def store_picker(context, dossier, index):
    """On a document page of the journey: the owner's stored files, to attach without uploading again."""
    documents = list(StoredDocument.objects.filter(owner_id=dossier.submitted_by_id).order_by("-created_at")[:50])
    return {"dossier": dossier, "index": index, "documents": documents, "csrf_token": context.get("csrf_token")}
