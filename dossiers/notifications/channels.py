"""The channel interface: how one message leaves the system (e-mail, SMS, Zalo...).

A channel is any object with ``send(message) -> str`` (the provider's message id, or "") that raises
``TransientChannelError`` when a later try may succeed (network down, 5xx, rate limit) and
``PermanentChannelError`` when it never will (a rejected address). The Celery task retries the first with
exponential backoff and gives up at once on the second.

Which implementation serves which channel is configuration (config/settings.py, ``NOTIFY_*``):

* ``NOTIFY_EMAIL``: on/off (Django's e-mail backend does the sending);
* ``NOTIFY_SMS`` / ``NOTIFY_ZALO``: ``off``, ``console`` (writes to the log — the embedded set-up and
  demos), ``http`` (``HttpGatewayChannel``: JSON POST to ``NOTIFY_<CH>_URL`` with ``NOTIFY_<CH>_TOKEN``),
  or the dotted path of a class of your own taking ``(channel_name)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("dossiers.notifications")


class ChannelError(Exception):
    pass


class TransientChannelError(ChannelError):
    """Try again later."""


class PermanentChannelError(ChannelError):
    """Never going to work: do not retry."""


@dataclass(frozen=True)
class Message:
    """What a channel sends: rendered once when the outbox row is written, so a retry sends the same words."""

    channel: str
    to: str
    subject: str
    body: str
    idempotency_key: str
    reference: str = ""  # the dossier code, for the provider's reports
    attachments: list[dict] = field(default_factory=list)  # [{"document_id": ...}] for e-mail


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> str: ...


class ConsoleChannel:
    """Writes the message to the log. The embedded default for SMS: nothing leaves the machine."""

    def __init__(self, name: str):
        self.name = name

    def send(self, message: Message) -> str:
        logger.info("[%s → %s] %s", self.name, message.to, message.body)
        return f"console:{message.idempotency_key}"


def _setting(name: str, default=None):
    return getattr(settings, name, default)


def channel_backend(name: str) -> str:
    """'off', 'console', 'http', 'email' or a dotted path, for the channel ``name``."""
    if name == "email":
        return "email" if _setting("NOTIFY_EMAIL", True) else "off"
    return (_setting(f"NOTIFY_{name.upper()}", "off") or "off").strip()


def enabled_channels() -> list[str]:
    return [name for name in ("email", "sms", "zalo") if channel_backend(name) != "off"]


def get_channel(name: str) -> Channel:
    backend = channel_backend(name)
    if backend == "off":
        raise PermanentChannelError(f"kênh {name} đang tắt")
    if backend == "email":
        from .email import EmailChannel

        return EmailChannel(name)
    if backend == "console":
        return ConsoleChannel(name)
    if backend == "http":
        from .http import HttpGatewayChannel

        prefix = f"NOTIFY_{name.upper()}"
        return HttpGatewayChannel(
            name,
            url=_setting(f"{prefix}_URL", ""),
            token=_setting(f"{prefix}_TOKEN", ""),
            timeout=float(_setting("NOTIFY_HTTP_TIMEOUT", 10)),
        )
    return import_string(backend)(name)
