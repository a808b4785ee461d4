"""Online payment of a dossier's fee: start a payment, settle it from the gateway's signed callbacks.

Whichever signed message arrives first — the IPN (server to server) or the citizen's browser coming back
to the return URL — settles the payment; the other one finds it settled and changes nothing. Both are
checked the same way (signature, merchant, amount) under a row lock on the payment, so a double or
concurrent callback never pays twice. Every callback is logged raw (PaymentCallback), the refused ones too.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import User
from procedures.models import OnlineLevel

from ..models import Dossier, Payment, PaymentCallback, PaymentStatus, Status, StepLog
from . import providers, vnpay

logger = logging.getLogger(__name__)

# A fee can be paid online from submission until the result is handed over.
PAYABLE_STATUSES = {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.FINANCIAL,
                    Status.RESULT_READY}


@dataclass(frozen=True)
class CallbackResult:
    payment: Payment | None
    outcome: str  # paid, failed, cancelled, already_settled, invalid_signature, not_found, amount_mismatch...
    rsp_code: str
    message: str

    @property
    def ipn_body(self) -> dict:
        """The JSON the gateway expects in answer to its IPN."""
        return {"RspCode": self.rsp_code, "Message": self.message}


def fee_for(dossier: Dossier) -> int | None:
    """The fee in VND: what the dossier was told to pay (set at reception or by a financial request), else the
    catalog's fee for its case, else for the procedure. None when the catalog publishes none."""
    if dossier.fee_due_vnd is not None:
        return dossier.fee_due_vnd
    if dossier.case_id and dossier.case.fee_vnd is not None:
        return dossier.case.fee_vnd
    return dossier.procedure.fee_vnd


def pays_online(dossier: Dossier) -> bool:
    """The journey's payment step: a fully online procedure (toàn trình) with a fee to pay."""
    return dossier.procedure.online_level == OnlineLevel.FULL and (fee_for(dossier) or 0) > 0


def paid_payment(dossier: Dossier) -> Payment | None:
    return dossier.payments.filter(status=PaymentStatus.PAID).select_related("receipt").first()


def payment_problem(dossier: Dossier, by: User) -> str | None:
    """Why ``by`` cannot pay this dossier online now, or None."""
    if not by.is_authenticated or by.pk != dossier.submitted_by_id:
        return _("Chỉ chủ hồ sơ mới thanh toán trực tuyến được phí, lệ phí của hồ sơ.")
    if not pays_online(dossier):
        return _("Hồ sơ này không có phí, lệ phí phải thanh toán trực tuyến.")
    if dossier.status not in PAYABLE_STATUSES:
        return _("Không thể thanh toán khi hồ sơ đang ở trạng thái “%(status)s”.") % {
            "status": dossier.get_status_display()}
    if dossier.fee_paid_at is not None or dossier.paid_online:
        return _("Phí, lệ phí của hồ sơ này đã được nộp.")
    return None


def _new_txn_ref(dossier: Dossier) -> str:
    # Unique, not guessable, at most 40 characters, only [A-Za-z0-9] as gateways accept in vnp_TxnRef.
    return f"{dossier.pk}{timezone.now():%y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def payment_start(*, dossier: Dossier, by: User, return_url: str, client_ip: str = "") -> tuple[Payment, str]:
    """A new pending payment and the signed URL of the gateway's payment page to send the citizen to.

    ``return_url``: the absolute URL of our return page (the gateway sends the browser back there).
    Earlier pending attempts of the dossier are cancelled: the citizen pays through the latest one.
    """
    provider = providers.current()
    with transaction.atomic():
        fresh = Dossier.objects.select_for_update(of=("self",)).select_related("procedure", "case").get(pk=dossier.pk)
        problem = payment_problem(fresh, by)
        if problem:
            raise (NotAllowed if by.pk != fresh.submitted_by_id else Conflict)(problem)
        fresh.payments.filter(status=PaymentStatus.PENDING).update(status=PaymentStatus.CANCELLED)
        now = timezone.now()
        payment = Payment.objects.create(
            dossier=fresh, payer=by, amount_vnd=fee_for(fresh), provider=provider.name,
            txn_ref=_new_txn_ref(fresh), created_at=now,
        )
    params = vnpay.payment_request(
        tmn_code=provider.tmn_code, txn_ref=payment.txn_ref, amount_vnd=payment.amount_vnd,
        order_info=f"Thanh toan phi, le phi ho so {fresh.code or fresh.pk}", return_url=return_url,
        ip_addr=client_ip, created_at=now, expire_at=now + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES),
    )
    separator = "&" if "?" in provider.payment_url else "?"
    return payment, f"{provider.payment_url}{separator}{vnpay.signed_query(params, provider.secret)}"


def payment_callback(*, params: dict, kind: str, remote_addr: str | None = None) -> CallbackResult:
    """Check and apply a callback from the gateway (``kind`` "ipn" or "return"); log it whatever happens."""
    params = {str(k): str(v) for k, v in params.items()}
    txn_ref = params.get("vnp_TxnRef", "")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(txn_ref=txn_ref).first() if txn_ref else None
        provider = providers.by_name(payment.provider) if payment else providers.current()
        result = _apply(payment, params, provider, kind)
        PaymentCallback.objects.create(payment=payment, kind=kind, params=params,
                                       signature_valid=result.outcome != "invalid_signature",
                                       outcome=result.outcome, remote_addr=remote_addr or None)
    if result.outcome == "invalid_signature":
        logger.warning("Payment %s callback with an invalid signature refused (txn %r, from %s)",
                       kind, txn_ref[:40], remote_addr)
    if result.outcome == "paid":
        ensure_receipt(result.payment)
    return result


def _result(payment, outcome, rsp) -> CallbackResult:
    return CallbackResult(payment=payment, outcome=outcome, rsp_code=rsp[0], message=rsp[1])


def _apply(payment: Payment | None, params: dict, provider: providers.Provider, kind: str) -> CallbackResult:
    if not vnpay.verify(params, provider.secret):
        return _result(payment, "invalid_signature", vnpay.RSP_INVALID_SIGNATURE)
    if payment is None or params.get("vnp_TmnCode") != provider.tmn_code:
        return _result(None, "not_found", vnpay.RSP_NOT_FOUND)
    if vnpay.from_gateway_amount(params.get("vnp_Amount", "")) != payment.amount_vnd:
        return _result(payment, "amount_mismatch", vnpay.RSP_INVALID_AMOUNT)
    if payment.status == PaymentStatus.PAID:
        return _result(payment, "already_settled", vnpay.RSP_ALREADY_CONFIRMED)
    code = params.get("vnp_ResponseCode", "")
    success = code == vnpay.SUCCESS and params.get("vnp_TransactionStatus", vnpay.SUCCESS) == vnpay.SUCCESS
    if not success:
        if payment.status != PaymentStatus.PENDING:
            return _result(payment, "already_settled", vnpay.RSP_ALREADY_CONFIRMED)
        payment.status = (PaymentStatus.CANCELLED if code == vnpay.CANCELLED_BY_CUSTOMER else PaymentStatus.FAILED)
        payment.response_code = code[:10]
        payment.settled_by = kind
        payment.save(update_fields=["status", "response_code", "settled_by"])
        return _result(payment, str(payment.status), vnpay.RSP_CONFIRMED)
    # Money was taken: a payment the citizen had abandoned (cancelled, failed) still counts if it succeeds,
    # unless another attempt already paid the fee — then this one is left for a refund, never paid twice.
    dossier = Dossier.objects.select_for_update().get(pk=payment.dossier_id)
    if dossier.payments.filter(status=PaymentStatus.PAID).exclude(pk=payment.pk).exists():
        logger.error("Dossier %s: a second payment %s succeeded at the gateway; refund it", dossier.pk,
                     payment.txn_ref)
        payment.status, payment.response_code, payment.settled_by = PaymentStatus.FAILED, "refund", kind
        payment.save(update_fields=["status", "response_code", "settled_by"])
        return _result(payment, "paid_twice_refund_due", vnpay.RSP_CONFIRMED)
    now = timezone.now()
    payment.status = PaymentStatus.PAID
    payment.paid_at = vnpay.parse_timestamp(params.get("vnp_PayDate", "")) or now
    payment.provider_reference = params.get("vnp_TransactionNo", "")[:60]
    payment.bank_code = params.get("vnp_BankCode", "")[:20]
    payment.response_code = code
    payment.settled_by = kind
    payment.save(update_fields=["status", "paid_at", "provider_reference", "bank_code", "response_code",
                                "settled_by"])
    _record_on_dossier(dossier, payment, now)
    return _result(payment, "paid", vnpay.RSP_CONFIRMED)


def _record_on_dossier(dossier: Dossier, payment: Payment, now) -> None:
    """The fee is paid: the dossier says so, and its process-control log has the line the desk's "record_fee"
    would write (not a status change, so not a workflow transition; the gateway is the one who acts)."""
    dossier.fee_paid_vnd = payment.amount_vnd
    dossier.fee_paid_at = payment.paid_at
    dossier.fee_receipt_number = f"{payment.provider.upper()}-{payment.provider_reference or payment.txn_ref}"[:60]
    dossier.paid_online = True
    dossier._change_reason = "pay_online"
    dossier.save(update_fields=["fee_paid_vnd", "fee_paid_at", "fee_receipt_number", "paid_online", "updated_at"])
    StepLog.objects.create(
        dossier=dossier, action="record_fee", from_status=dossier.status, to_status=dossier.status, by=None,
        from_agency_id=dossier.current_agency_id, to_agency_id=dossier.current_agency_id, at=now,
        note=_("Thanh toán trực tuyến qua %(provider)s") % {"provider": providers.by_name(payment.provider).label},
        facts={"amount_vnd": payment.amount_vnd, "receipt_number": dossier.fee_receipt_number, "online": True,
               "payment_id": payment.pk, "txn_ref": payment.txn_ref},
    )


def ensure_receipt(payment: Payment) -> Payment:
    """Issue the electronic receipt of a paid payment once (a PDF, FormKind.PAYMENT_RECEIPT).

    Kept out of the settling transaction: a failing render must not make the gateway believe the payment
    was refused. Called again (the payment page does) until it succeeds.
    """
    from ..documents import issue_document
    from ..models import FormKind

    if payment.status != PaymentStatus.PAID or payment.receipt_id:
        return payment
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().select_related("dossier").get(pk=payment.pk)
            if locked.receipt_id is None:
                locked.receipt = issue_document(kind=FormKind.PAYMENT_RECEIPT, by=None, dossier=locked.dossier,
                                                extra={"payment": locked})
                locked.save(update_fields=["receipt"])
            payment.receipt_id = locked.receipt_id
    except (DomainError, OSError):
        logger.exception("Receipt of payment %s not issued yet", payment.pk)
    return payment
