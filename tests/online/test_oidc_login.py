"""National sign-in, the whole round trip against a REAL OpenID Connect provider running in the test suite:
django-oauth-toolkit's provider on the live server (an RSA key generated here), reached under another host
name (127.0.0.1) than the portal (localhost) so the two keep separate sessions, like two sites. The
"browser" is a requests session that follows every redirect; nothing is mocked."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.hashers import make_password
from oauth2_provider.models import get_application_model

from accounts import oidc
from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory, citizen

from .oidc_provider import NationalIdValidator

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "matkhau-Manh-2026"  # tests.factories.UserFactory's password
CLIENT_SECRET = "bi-mat-cua-cong-dich-vu-cong"


@pytest.fixture(scope="module")
def rsa_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def provider(live_server, settings, rsa_key):
    """The identity provider on 127.0.0.1, the portal (relying party) on localhost; a registered client."""
    portal = live_server.url
    port = urlsplit(portal).port
    issuer = f"http://127.0.0.1:{port}/o"
    settings.ROOT_URLCONF = "tests.online.oidc_urls"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.OAUTH2_PROVIDER = {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": rsa_key,
        "SCOPES": {"openid": "OpenID Connect", "profile": "Hồ sơ", "email": "Thư điện tử", "phone": "Điện thoại"},
        "OAUTH2_VALIDATOR_CLASS": "tests.online.oidc_provider.NationalIdValidator",
        "PKCE_REQUIRED": True,
    }
    app = get_application_model()(
        name="Cổng dịch vụ công Một Cửa", client_id="motcua-portal", client_secret=CLIENT_SECRET,
        client_type="confidential", authorization_grant_type="authorization-code", skip_authorization=True,
        redirect_uris=f"{portal}/tai-khoan/vneid/callback/", algorithm="RS256",
    )
    app.save()
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = "motcua-portal"
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_CLAIM_CCCD = "so_dinh_danh"  # VNeID-style claim names, mapped in settings
    settings.OIDC_CLAIM_PHONE = "so_dien_thoai"
    oidc._client_for.cache_clear()
    NationalIdValidator.IDENTITIES = {}
    yield portal
    oidc._client_for.cache_clear()


def identity(username: str, **claims) -> User:
    """An account at the provider (its own login) and the claims the provider vouches for."""
    account = User.objects.create(username=username, password=make_password(PASSWORD))
    NationalIdValidator.IDENTITIES[username] = claims
    return account


def sign_in_with_provider(portal: str, username: str, *, next_url: str = "") -> tuple[requests.Session,
                                                                                     requests.Response]:
    browser = requests.Session()
    start = f"{portal}/tai-khoan/vneid/" + (f"?next={next_url}" if next_url else "")
    page = browser.get(start, timeout=30)
    # Not signed in at the provider yet: its login page (on the provider's host), then consent is skipped.
    assert page.url.startswith("http://127.0.0.1:") and "/dang-nhap/" in page.url, page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD,
            "next": re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")}
    done = browser.post(page.url, data=form, headers={"Referer": page.url}, timeout=30)
    return browser, done


def test_a_citizen_signs_in_through_the_national_provider(provider):
    identity("vneid-mai", sub="VNEID-0001", name="Lê Thị Mai", so_dinh_danh="038187042028",
             email="mai@example.vn", so_dien_thoai="0912345678")
    browser, done = sign_in_with_provider(provider, "vneid-mai", next_url="/ho-so-cua-toi/")
    assert done.status_code == 200 and done.url == f"{provider}/ho-so-cua-toi/", done.url
    assert "Đăng nhập bằng tài khoản định danh điện tử thành công" in done.text
    user = User.objects.get(oidc_subject="VNEID-0001")
    assert user.cccd == "038187042028" and user.identity_verified and user.full_name == "Lê Thị Mai"
    assert user.phone == "0912345678" and user.email == "mai@example.vn" and user.has_role(Role.CITIZEN)
    assert not user.has_usable_password()
    # Signed in on the portal (its own session on localhost), not only at the provider.
    assert "Lê Thị Mai" in browser.get(f"{provider}/ho-so-cua-toi/", timeout=30).text


def test_the_cccd_links_an_existing_local_account(provider):
    local = citizen(full_name="Trần Văn An", phone="0987000111", cccd="038090000123")
    identity("vneid-an", sub="VNEID-0002", name="Trần Văn An", so_dinh_danh="038090000123")
    _browser, done = sign_in_with_provider(provider, "vneid-an")
    assert done.url == f"{provider}/"
    local.refresh_from_db()
    assert local.oidc_subject == "VNEID-0002" and local.identity_verified
    assert User.objects.filter(cccd="038090000123").count() == 1


def test_a_staff_account_is_not_signed_in_through_the_citizens_provider(provider):
    clerk = UserFactory(role=Role.CLERK, cccd="038070000999")
    identity("vneid-clerk", sub="VNEID-0003", name="Cán bộ", so_dinh_danh="038070000999")
    browser, done = sign_in_with_provider(provider, "vneid-clerk")
    assert done.status_code == 403 and "Tài khoản cán bộ đăng nhập bằng tên đăng nhập" in done.text
    clerk.refresh_from_db()
    assert clerk.oidc_subject in (None, "") and not clerk.has_role(Role.CITIZEN)
    assert browser.get(f"{provider}/ho-so-cua-toi/", allow_redirects=False, timeout=30).status_code == 302


def test_a_forged_callback_is_refused(provider):
    browser = requests.Session()
    response = browser.get(f"{provider}/tai-khoan/vneid/callback/?code=made-up&state=made-up", timeout=30)
    assert response.status_code == 400
    assert "Không xác thực được thông tin đăng nhập" in response.text
    assert not User.objects.filter(oidc_subject__isnull=False).exclude(oidc_subject="").exists()


def test_the_login_page_offers_the_national_sign_in_only_when_configured(client, settings):
    settings.OIDC_ENABLED = False
    assert "Đăng nhập bằng VNeID" not in client.get("/tai-khoan/dang-nhap/").content.decode()
    assert client.get("/tai-khoan/vneid/").status_code == 404
    settings.OIDC_ENABLED, settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = True, "http://127.0.0.1:9/o", "x"
    assert "Đăng nhập bằng VNeID" in client.get("/tai-khoan/dang-nhap/").content.decode()
