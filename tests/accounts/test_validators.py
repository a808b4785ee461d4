import pytest
from django.core.exceptions import ValidationError

from accounts.validators import normalize_phone, validate_cccd, validate_identity_number, validate_phone


@pytest.mark.parametrize(
    "cccd",
    [
        "038090012345",  # Thanh Hóa, male born 1990 (the sample form's province code)
        "001301000001",  # Hà Nội, female born 2001
        "079205123456",  # TP. Hồ Chí Minh, born 2005
        "096099999999",  # highest province code in use (Cà Mau)
    ],
)
def test_valid_cccd_is_accepted(cccd):
    validate_cccd(cccd)


@pytest.mark.parametrize(
    ("cccd", "message"),
    [
        ("03809001234", "đúng 12 chữ số"),  # 11 digits
        ("0380900123456", "đúng 12 chữ số"),  # 13 digits
        ("03809001234a", "đúng 12 chữ số"),
        ("038 090 012 345", "đúng 12 chữ số"),  # forms strip the spaces; the validator sees the raw value
        ("", "đúng 12 chữ số"),
        ("000090012345", "Mã tỉnh"),  # province 000 does not exist
        ("097090012345", "Mã tỉnh"),  # above the last province code
        ("999090012345", "Mã tỉnh"),
    ],
)
def test_bad_cccd_is_rejected_with_a_vietnamese_reason(cccd, message):
    with pytest.raises(ValidationError) as exc:
        validate_cccd(cccd)
    assert message in exc.value.messages[0]
    assert exc.value.code == "invalid_cccd"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(091) 234.5678", "0912345678"),
        ("  0383 123 456 ", "0383123456"),
    ],
)
def test_phone_is_normalised_to_the_ten_digit_form(raw, normalised):
    assert normalize_phone(raw) == normalised
    validate_phone(raw)


@pytest.mark.parametrize(
    "phone",
    [
        "0212345678",  # 02x is a landline prefix
        "0112345678",
        "091234567",  # 9 digits
        "09123456789",  # 11 digits
        "+85912345678",  # another country
        "09123abc78",
        "",
    ],
)
def test_bad_phone_is_rejected(phone):
    with pytest.raises(ValidationError) as exc:
        validate_phone(phone)
    assert "Số điện thoại di động không hợp lệ" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("doc_type", "value", "ok"),
    [
        ("cccd", "038090012345", True),
        ("can_cuoc", "038090012345", True),
        ("cmnd", "172345678", True),
        ("cmnd", "17234567", False),
        ("passport", "B1234567", True),
        ("passport", "b1234567", True),
        ("passport", "12345678", False),
        ("can_cuoc", "12345", False),
    ],
)
def test_identity_number_follows_its_document_type(doc_type, value, ok):
    if ok:
        validate_identity_number(doc_type, value)
    else:
        with pytest.raises(ValidationError):
            validate_identity_number(doc_type, value)
