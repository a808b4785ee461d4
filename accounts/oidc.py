"""National single sign-on: the OpenID Connect relying party (Authlib) in front of accounts/identity.py.

The provider is found by issuer discovery (``OIDC_ISSUER`` + /.well-known/openid-configuration): its
endpoints and signing keys come from there. Authorization-code flow with PKCE (S256), state and nonce kept in
the session; Authlib checks the ID token's signature (the provider's JWKS), issuer, audience, expiry and
nonce. The verified claims — merged with the userinfo endpoint's when the provider has one, for the same
subject — are mapped through settings (OIDC_CLAIM_*) and handed to ``citizen_from_identity_claims``.
Local accounts stay: staff always sign in with theirs.
"""

from __future__ import annotations

import functools
import logging

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from requests import RequestException

from .identity import citizen_from_identity_claims
from .models import User

logger = logging.getLogger(__name__)
NEXT_KEY = "oidc_next"


@functools.lru_cache(maxsize=4)
def _client_for(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: float):
    oauth = OAuth()
    return oauth.register(
        name="national_id",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": timeout},
    )


def client():
    """The configured client (cached per configuration: the discovery document is fetched once)."""
    if not settings.OIDC_ENABLED or not settings.OIDC_ISSUER or not settings.OIDC_CLIENT_ID:
        raise Http404
    return _client_for(settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET,
                       settings.OIDC_SCOPES, settings.OIDC_TIMEOUT)


def map_claims(claims: dict) -> dict:
    """The provider's claims in the names identity.py reads (the mapping is in settings)."""
    return {
        "sub": str(claims["sub"]),
        settings.OIDC_CLAIM_CCCD: claims.get(settings.OIDC_CLAIM_CCCD) or "",
        "name": claims.get(settings.OIDC_CLAIM_NAME) or "",
        "email": claims.get(settings.OIDC_CLAIM_EMAIL) or "",
        "phone_number": claims.get(settings.OIDC_CLAIM_PHONE) or "",
    }


def _is_staff_identity(mapped: dict) -> bool:
    """A staff account never signs in through the citizens' provider (nor gets a citizen role from it)."""
    cccd = mapped.get(settings.OIDC_CLAIM_CCCD)
    match = Q(oidc_subject=mapped["sub"]) | (Q(cccd=cccd) if cccd else Q(pk__in=[]))
    return any(user.is_portal_staff for user in User.objects.filter(match).prefetch_related("groups"))


def _fail(request, message: str, status: int):
    return render(request, "accounts/oidc_error.html", {"message": message}, status=status)


@never_cache
def oidc_login(request):
    """Send the browser to the provider's authorization endpoint."""
    oidc = client()
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        request.session[NEXT_KEY] = target
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc-callback"))
    try:
        return oidc.authorize_redirect(request, redirect_uri)
    except (RequestException, AuthlibBaseError, ValueError) as exc:
        logger.warning("OIDC provider unreachable: %s", exc)
        return _fail(request, _("Không kết nối được hệ thống định danh điện tử. Vui lòng thử lại sau."), 502)


@never_cache
def oidc_callback(request):
    """The provider sends the browser back with a code: exchange it, verify the ID token, sign the citizen in."""
    oidc = client()
    if "error" in request.GET:
        return _fail(request, _("Bạn chưa hoàn tất đăng nhập bằng tài khoản định danh điện tử."), 400)
    try:
        token = oidc.authorize_access_token(request)  # state, code exchange, ID token signature and nonce
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise ValueError("no verified ID token")
        if oidc.server_metadata.get("userinfo_endpoint"):
            extra = dict(oidc.userinfo(token=token))
            if str(extra.get("sub")) == str(claims["sub"]):  # OIDC Core 5.3.2: the same subject or ignore it
                claims = {**extra, **claims}
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as exc:
        logger.warning("OIDC sign-in refused: %s", exc)
        return _fail(request, _("Không xác thực được thông tin đăng nhập từ hệ thống định danh điện tử."), 400)
    mapped = map_claims(claims)
    if _is_staff_identity(mapped):
        return _fail(request, _("Tài khoản cán bộ đăng nhập bằng tên đăng nhập và mật khẩu của cơ quan."), 403)
    user = citizen_from_identity_claims(mapped)
    if not user.is_active:
        return _fail(request, _("Tài khoản này đã bị khóa."), 403)
    target = request.session.pop(NEXT_KEY, "")
    login(request, user, backend="accounts.backends.PhoneOrEmailBackend")
    messages.success(request, _("Đăng nhập bằng tài khoản định danh điện tử thành công."))
    return redirect(target or settings.LOGIN_REDIRECT_URL)
