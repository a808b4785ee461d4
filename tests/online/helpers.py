"""Play the gateway in tests: signed callbacks for a payment, as the VNPay protocol sends them."""

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from django.utils import timezone

from dossiers.payments import providers, vnpay


def gateway_result(payment, *, response_code="00", amount_vnd=None, secret=None, transaction_no="14226112",
                   pay_date: datetime | None = None) -> dict[str, str]:
    """The signed parameters the gateway sends to the IPN and the return URL for ``payment``."""
    provider = providers.by_name(payment.provider)
    request = {"vnp_TmnCode": provider.tmn_code, "vnp_TxnRef": payment.txn_ref,
               "vnp_Amount": vnpay.to_gateway_amount(payment.amount_vnd if amount_vnd is None else amount_vnd),
               "vnp_OrderInfo": f"Thanh toan phi ho so {payment.dossier_id}"}
    params = vnpay.result_params(request, response_code=response_code, transaction_no=transaction_no,
                                 bank_code="NCB", pay_date=pay_date or timezone.now())
    return dict(parse_qsl(vnpay.signed_query(params, secret or provider.secret)))


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
