"""What the electronic fee receipt (FormKind.PAYMENT_RECEIPT) says; dossiers/documents.py renders and numbers it."""

from ..documents import fmt_datetime, fmt_vnd
from ..models import Payment
from . import providers


def payment_context(payment: Payment) -> dict:
    return {
        "amount": fmt_vnd(payment.amount_vnd),
        "amount_vnd": payment.amount_vnd,
        "paid_at": fmt_datetime(payment.paid_at),
        "provider_label": providers.by_name(payment.provider).label,
        "txn_ref": payment.txn_ref,
        "provider_reference": payment.provider_reference,
        "bank_code": payment.bank_code,
        "payer_name": payment.dossier.applicant_name,
    }
