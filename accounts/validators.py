"""Identity numbers as DOMAIN.md Part A "Identity" defines them."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^(0|\+84)(3|5|7|8|9)\d{8}$")
CCCD_RE = re.compile(r"^\d{12}$")
# B = sex + century: 0-9 are all meaningful, so only the birth year can be cross-checked, not a digit.


def normalize_phone(value: str) -> str:
    """'+84 912-345 678' → '0912345678': one canonical form to store and to compare."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_phone(value: str) -> None:
    if not MOBILE_RE.match(normalize_phone(value)):
        raise ValidationError(
            _("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09)."),
            code="invalid_phone",
        )


def validate_cccd(value: str) -> None:
    if not CCCD_RE.match(value or ""):
        raise ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."), code="invalid_cccd")
    province = int(value[:3])
    if province == 0 or province > 96:
        raise ValidationError(_("Mã tỉnh (3 chữ số đầu) của số CCCD không hợp lệ."), code="invalid_cccd")


def validate_identity_number(doc_type: str, value: str) -> None:
    """CCCD and căn cước: 12 digits; old CMND: 9 digits; passport: a letter and 7 digits."""
    if doc_type in ("cccd", "can_cuoc"):
        validate_cccd(value)
    elif doc_type == "cmnd":
        if not re.fullmatch(r"\d{9}", value or ""):
            raise ValidationError(_("Số CMND phải gồm đúng 9 chữ số."), code="invalid_cmnd")
    elif doc_type == "passport" and not re.fullmatch(r"[A-Z]\d{7}", (value or "").upper()):
        raise ValidationError(_("Số hộ chiếu không hợp lệ (một chữ cái và 7 chữ số)."), code="invalid_passport")
