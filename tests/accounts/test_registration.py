import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:register")
GOOD = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "+84 912 345 678",
    "email": "lan@example.vn",
    "cccd": "038 190 012 345",
    "password1": "Hoa-sen-Tay-Ho-2026",
    "password2": "Hoa-sen-Tay-Ho-2026",
}


def test_citizen_registers_and_is_signed_in(client):
    response = client.post(URL, GOOD)
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.phone, user.cccd, user.email, user.full_name) == (
        "0912345678", "038190012345", "lan@example.vn", "Nguyễn Thị Lan",
    )
    assert user.roles == {Role.CITIZEN}
    assert user.check_password(GOOD["password1"])
    assert not user.is_staff
    assert client.get("/").context["user"] == user


def test_email_is_optional(client):
    response = client.post(URL, {**GOOD, "email": ""})
    assert response.status_code == 302
    assert User.objects.get().email == ""


def test_registration_page_renders_every_field_with_a_label(client):
    html = client.get(URL).content.decode()
    for name in ("full_name", "phone", "email", "cccd", "password1", "password2"):
        assert f'<label for="id_{name}">' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "bắt buộc"),
        ({"phone": ""}, "phone", "bắt buộc"),
        ({"phone": "0212345678"}, "phone", "Số điện thoại di động không hợp lệ"),
        ({"phone": "12345"}, "phone", "Số điện thoại di động không hợp lệ"),
        ({"cccd": ""}, "cccd", "bắt buộc"),
        ({"cccd": "12345"}, "cccd", "Số CCCD phải gồm đúng 12 chữ số."),
        ({"cccd": "000190012345"}, "cccd", "Mã tỉnh"),
        ({"email": "not-an-email"}, "email", "Địa chỉ thư điện tử không hợp lệ"),
        ({"password2": "Khac-hoan-toan-2026"}, "password2", "Hai mật khẩu không khớp."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "mật khẩu"),
        ({"password1": "abc", "password2": "abc"}, "password1", "mật khẩu"),
    ],
)
def test_bad_input_gives_a_vietnamese_error_and_creates_nothing(client, changes, field, message):
    response = client.post(URL, {**GOOD, **changes})
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message.lower() in e.lower() for e in errors), errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("existing", "changes", "field", "message"),
    [
        ({"phone": "0912345678"}, {}, "phone", "Số điện thoại này đã được đăng ký."),
        ({"phone": "0987654321", "email": "LAN@example.vn"}, {}, "email", "Thư điện tử này đã được đăng ký."),
        ({"phone": "0987654321", "cccd": "038190012345"}, {}, "cccd", "Số CCCD này đã có tài khoản."),
    ],
)
def test_duplicate_phone_email_or_cccd_is_refused(client, existing, changes, field, message):
    UserFactory(**existing)
    response = client.post(URL, {**GOOD, **changes})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert User.objects.count() == 1


def test_every_error_is_reported_at_once(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"full_name", "phone", "cccd", "password1", "password2"}
    assert not User.objects.exists()
