"""VNPay's payment protocol (API 2.1.0), the one most Vietnamese gateways copy: a signed redirect and a
signed server-to-server callback (IPN).

Signing: every ``vnp_*`` parameter except the hash itself, sorted by name, URL-encoded (``quote_plus``)
as ``key=value`` pairs joined by ``&``; HMAC-SHA512 of that string with the merchant's secret, hex. Amounts
travel in VND × 100. The IPN is answered with JSON ``{"RspCode": .., "Message": ..}`` — the gateway retries
until it gets an answer other than "99".

Pure functions (no ORM): the same code signs for the sandbox gateway and verifies for the merchant.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

VERSION = "2.1.0"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HASH_KEYS = ("vnp_SecureHash", "vnp_SecureHashType")

# Answers to the IPN (VNPay merchant integration guide, "IPN URL" section).
RSP_CONFIRMED = ("00", "Confirm Success")
RSP_NOT_FOUND = ("01", "Order not found")
RSP_ALREADY_CONFIRMED = ("02", "Order already confirmed")
RSP_INVALID_AMOUNT = ("04", "invalid amount")
RSP_INVALID_SIGNATURE = ("97", "Invalid signature")
RSP_UNKNOWN_ERROR = ("99", "Unknown error")

# vnp_ResponseCode values the portal tells apart (the rest are "failed").
SUCCESS = "00"
CANCELLED_BY_CUSTOMER = "24"


def canonical(params: Mapping[str, str]) -> str:
    """The string that is signed: vnp_* parameters but the hash, sorted, URL-encoded."""
    items = sorted((k, str(v)) for k, v in params.items() if k.startswith("vnp_") and k not in HASH_KEYS and v != "")
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha512).hexdigest()


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """The query string of a redirect or callback: the canonical string plus its signature."""
    return f"{canonical(params)}&vnp_SecureHash={sign(params, secret)}"


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Constant-time check of ``vnp_SecureHash`` (hex, either case) against our own signature."""
    given = str(params.get("vnp_SecureHash") or "").lower()
    return bool(given) and bool(secret) and hmac.compare_digest(given, sign(params, secret))


def to_gateway_amount(amount_vnd: int) -> str:
    return str(int(amount_vnd) * 100)


def from_gateway_amount(value: str) -> int | None:
    """VND from ``vnp_Amount``; None when it is not a whole number of đồng."""
    try:
        raw = int(str(value))
    except (TypeError, ValueError):
        return None
    return raw // 100 if raw >= 0 and raw % 100 == 0 else None


def timestamp(moment: datetime) -> str:
    """yyyyMMddHHmmss in Vietnam's time, as the gateway expects (vnp_CreateDate, vnp_ExpireDate, vnp_PayDate)."""
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def parse_timestamp(value: str) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        return None


def payment_request(*, tmn_code: str, txn_ref: str, amount_vnd: int, order_info: str, return_url: str,
                    ip_addr: str, created_at: datetime, expire_at: datetime, locale: str = "vn") -> dict[str, str]:
    """The parameters of the redirect to the gateway's payment page (before signing)."""
    return {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": to_gateway_amount(amount_vnd),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": order_info,
        "vnp_OrderType": "other",
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": ip_addr or "127.0.0.1",
        "vnp_CreateDate": timestamp(created_at),
        "vnp_ExpireDate": timestamp(expire_at),
    }


def result_params(request: Mapping[str, str], *, response_code: str, transaction_no: str, bank_code: str,
                  pay_date: datetime) -> dict[str, str]:
    """What the gateway sends back (return URL and IPN) for a payment request: used by the sandbox."""
    ok = response_code == SUCCESS
    return {
        "vnp_TmnCode": request["vnp_TmnCode"],
        "vnp_Amount": request["vnp_Amount"],
        "vnp_BankCode": bank_code,
        "vnp_BankTranNo": f"VNP{transaction_no}" if ok else "",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": request["vnp_OrderInfo"],
        "vnp_PayDate": timestamp(pay_date),
        "vnp_ResponseCode": response_code,
        "vnp_TransactionNo": transaction_no if ok else "0",
        "vnp_TransactionStatus": "00" if ok else "02",
        "vnp_TxnRef": request["vnp_TxnRef"],
    }
