"""One-line hooks of the fully online service in the journey's and dossier pages (issue 7):
``{% load online_tags %}`` then ``{% payment_status dossier %}``, ``{% electronic_result dossier %}``,
``{% store_picker dossier index %}`` (citizen pages) and ``{% result_panel dossier %}`` (staff page)."""

from django import template

from ..models import PaymentStatus, StoredDocument
from ..payments import services as payments
from ..results import result_available

register = template.Library()


@register.inclusion_tag("dossiers/online/_payment_status.html", takes_context=True)
def payment_status(context, dossier):
    """The fee and whether it is paid; for the owner a button to pay, then the electronic receipt."""
    user = context.get("user")
    paid = dossier.payments.filter(status=PaymentStatus.PAID).select_related("receipt").first()
    if paid and not paid.receipt_id:
        payments.ensure_receipt(paid)
    return {
        "dossier": dossier, "paid": paid, "fee": payments.fee_for(dossier),
        "pays_online": payments.pays_online(dossier),
        "can_pay": user is not None and payments.payment_problem(dossier, user) is None,
        "paid_at_desk": paid is None and dossier.fee_paid_at is not None,
    }


@register.inclusion_tag("dossiers/online/_result.html")
def electronic_result(dossier):
    """On the owner's dossier page: the download of the electronic result once there is one."""
    return {"dossier": dossier, "available": result_available(dossier)}


@register.inclusion_tag("dossiers/online/_store_picker.html", takes_context=True)
def store_picker(context, dossier, index):
    """On a document page of the journey: the owner's stored files, to attach without uploading again."""
    documents = list(StoredDocument.objects.filter(owner_id=dossier.submitted_by_id).order_by("-created_at")[:50])
    return {"dossier": dossier, "index": index, "documents": documents, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("dossiers/online/_result_panel.html", takes_context=True)
def result_panel(context, dossier):
    """On the staff dossier page: upload the signed result; hand it over online when it is approved."""
    from .. import workflow
    from ..models import Delivery, Status
    from ..results import UPLOAD_STATUSES, may_upload_result

    user = context.get("user")
    can_upload = user is not None and dossier.status in UPLOAD_STATUSES and may_upload_result(user, dossier)
    can_return = (bool(dossier.result_file) and dossier.status == Status.RESULT_READY
                  and dossier.delivery == Delivery.ONLINE and workflow.may_act(user, dossier, "return_result"))
    return {"dossier": dossier, "can_upload": can_upload, "can_return": can_return,
            "has_file": bool(dossier.result_file), "online_delivery": dossier.delivery == Delivery.ONLINE,
            "csrf_token": context.get("csrf_token")}
