"""Payment providers: where the citizen is sent to pay and which secret signs the messages.

Every provider speaks the same protocol (dossiers/payments/vnpay.py); they differ in the gateway's URL and
the merchant's credentials. A provider for another gateway implements the same three things.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


@dataclass(frozen=True)
class Provider:
    name: str  # stored on Payment.provider
    label: str
    tmn_code: str
    secret: str
    payment_url: str  # absolute for a real gateway; a path of this site for the sandbox

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"


def sandbox_secret() -> str:
    """The sandbox's HMAC key, derived from SECRET_KEY: stable across restarts, never a constant in code."""
    return hmac.new(settings.SECRET_KEY.encode(), b"motcua-payment-sandbox", hashlib.sha256).hexdigest()


def sandbox() -> Provider:
    return Provider(name="sandbox", label="Cổng thanh toán thử nghiệm (sandbox)", tmn_code="MOTCUA01",
                    secret=sandbox_secret(), payment_url=reverse("online:sandbox-gateway"))


def vnpay() -> Provider:
    if not settings.VNPAY_TMN_CODE or not settings.VNPAY_HASH_SECRET:
        raise ImproperlyConfigured("PAYMENT_PROVIDER=vnpay cần VNPAY_TMN_CODE và VNPAY_HASH_SECRET.")
    return Provider(name="vnpay", label="VNPay", tmn_code=settings.VNPAY_TMN_CODE,
                    secret=settings.VNPAY_HASH_SECRET, payment_url=settings.VNPAY_PAYMENT_URL)


PROVIDERS = {"sandbox": sandbox, "vnpay": vnpay}


def current() -> Provider:
    """The provider new payments go to (settings.PAYMENT_PROVIDER)."""
    try:
        return PROVIDERS[settings.PAYMENT_PROVIDER]()
    except KeyError as exc:
        raise ImproperlyConfigured(f"PAYMENT_PROVIDER không hợp lệ: {settings.PAYMENT_PROVIDER!r}") from exc


def by_name(name: str) -> Provider:
    """The provider a stored payment was made with (its callbacks are checked with that provider's secret)."""
    return PROVIDERS[name]()
