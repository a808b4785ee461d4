"""Login throttling with django-ratelimit: only *failed* attempts count.

Two counters: one per login (phone, e-mail or username, normalised), against guessing one account's
password, and a looser one per client IP, against trying many accounts. A commune office puts many
clerks behind one IP, so successful sign-ins never count and the IP limit is several times the
account limit. Counters live in the default cache (Redis in production, so every web process shares them).
"""

from django.conf import settings
from django_ratelimit.core import get_usage

from .validators import normalize_phone

GROUP = "accounts.login"


def _login_key(login: str) -> str:
    login = (login or "").strip().lower()
    phone = normalize_phone(login)
    return phone if phone.isdigit() else login


def _usages(request, login: str, *, increment: bool) -> list[dict]:
    checks = [
        (lambda group, req: "login:" + _login_key(login), settings.LOGIN_FAILURE_RATE),
        ("ip", settings.LOGIN_FAILURE_RATE_PER_IP),
    ]
    usages = []
    for key, rate in checks:
        usage = get_usage(request, group=GROUP, key=key, rate=rate, increment=increment)
        if usage is not None:
            usages.append(usage)
    return usages


def seconds_blocked(request, login: str) -> int:
    """0 when the attempt may go ahead, else how long (seconds) until the counters reset."""
    blocked = [u for u in _usages(request, login, increment=False) if u["count"] >= u["limit"]]
    return max((max(u["time_left"], 1) for u in blocked), default=0)


def record_failure(request, login: str) -> None:
    _usages(request, login, increment=True)
