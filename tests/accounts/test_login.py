import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from accounts.roles import Role
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:login")
PASSWORD = "matkhau-Manh-2026"  # the factory's password


@pytest.fixture
def citizen():
    return UserFactory(role=Role.CITIZEN, username="0912345678", phone="0912345678", email="an@example.vn")


@pytest.fixture
def clerk():
    return UserFactory(role=Role.CLERK, username="motcua.tiepnhan", phone=None, email="", agency=AgencyFactory())


def _signed_in_as(client):
    return client.get("/").context["user"]


@pytest.mark.parametrize("login", ["0912345678", "+84 912 345 678", "an@example.vn", "AN@Example.VN"])
def test_citizen_signs_in_with_phone_or_email(client, citizen, login):
    response = client.post(URL, {"username": login, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_as(client) == citizen


def test_staff_signs_in_with_username(client, clerk):
    response = client.post(URL, {"username": "motcua.tiepnhan", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_as(client) == clerk


def test_login_goes_back_to_the_page_asked_for(client, citizen):
    response = client.post(URL, {"username": "0912345678", "password": PASSWORD, "next": "/thu-tuc/"})
    assert response["Location"] == "/thu-tuc/"


@pytest.mark.parametrize("login", ["0912345678", "an@example.vn", "0999999999", "nobody@example.vn", "ai-do"])
def test_wrong_password_or_unknown_login_gives_one_vietnamese_message(client, citizen, login):
    response = client.post(URL, {"username": login, "password": "sai-mat-khau"})
    assert response.status_code == 400
    assert "Thông tin đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert not _signed_in_as(client).is_authenticated


def test_inactive_user_cannot_sign_in(client, citizen):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    response = client.post(URL, {"username": "0912345678", "password": PASSWORD})
    assert response.status_code == 400
    assert not _signed_in_as(client).is_authenticated
    assert authenticate(None, username="0912345678", password=PASSWORD) is None


def test_empty_form_names_the_missing_fields(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"username", "password"}


def test_repeated_failures_pause_that_login_and_say_for_how_long(client, citizen, settings):
    settings.LOGIN_FAILURE_RATE = "3/15m"
    for _ in range(3):
        assert client.post(URL, {"username": "0912345678", "password": "sai"}).status_code == 400
    # Even the right password is refused while the login is paused, with a clear reason.
    response = client.post(URL, {"username": "+84 912 345 678", "password": PASSWORD})
    assert response.status_code == 429
    assert "Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau" in response.content.decode()
    assert not _signed_in_as(client).is_authenticated
    # Another account from the same address is not affected.
    other = UserFactory(phone="0987654321")
    assert client.post(URL, {"username": "0987654321", "password": PASSWORD}).status_code == 302
    assert _signed_in_as(client) == other


def test_successful_sign_ins_do_not_count_towards_the_pause(client, citizen, settings):
    settings.LOGIN_FAILURE_RATE = "2/15m"
    for _ in range(4):
        assert client.post(URL, {"username": "0912345678", "password": PASSWORD}).status_code == 302
        client.logout()
    assert client.post(URL, {"username": "0912345678", "password": "sai"}).status_code == 400
    assert client.post(URL, {"username": "0912345678", "password": PASSWORD}).status_code == 302


def test_many_accounts_tried_from_one_address_pause_that_address(client, citizen, settings):
    settings.LOGIN_FAILURE_RATE_PER_IP = "4/15m"
    for n in range(4):
        client.post(URL, {"username": f"09000000{n:02d}", "password": "sai"})
    response = client.post(URL, {"username": "0912345678", "password": PASSWORD})
    assert response.status_code == 429
    # A different address still gets through.
    response = client.post(URL, {"username": "0912345678", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302


def test_sign_out_is_a_post(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not _signed_in_as(client).is_authenticated
