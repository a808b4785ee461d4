"""An HTTP gateway channel: the shape most Vietnamese SMS brand-name and Zalo ZNS resellers accept.

POST ``url`` with JSON ``{"channel", "to", "text", "subject", "reference", "idempotency_key"}``, headers
``Authorization: Bearer <token>`` and ``Idempotency-Key``. 2xx = accepted (a JSON body's ``id`` or
``message_id`` is kept); 408, 425, 429 and 5xx or no answer = try again later; any other 4xx = the request
itself is wrong (bad number, bad token): retrying would not help.

The key goes to the provider so that, if we crash between its answer and our commit, the retry is
recognised as the same message: the outbox row makes us send once, the key makes the provider deliver once.
Standard library only: one JSON POST does not need a dependency.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .channels import Message, PermanentChannelError, TransientChannelError

RETRYABLE_STATUS = {408, 425, 429}


class HttpGatewayChannel:
    def __init__(self, name: str, *, url: str, token: str = "", timeout: float = 10.0):
        if not url:
            raise PermanentChannelError(f"chưa cấu hình NOTIFY_{name.upper()}_URL cho kênh {name}")
        self.name = name
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, message: Message) -> str:
        body = json.dumps(
            {
                "channel": self.name,
                "to": message.to,
                "text": message.body,
                "subject": message.subject,
                "reference": message.reference,
                "idempotency_key": message.idempotency_key,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode(errors="replace")
            text = f"HTTP {exc.code} từ cổng {self.name}: {detail}"
            if exc.code >= 500 or exc.code in RETRYABLE_STATUS:
                raise TransientChannelError(text) from exc
            raise PermanentChannelError(text) from exc
        except OSError as exc:  # URLError, timeouts, refused connections
            raise TransientChannelError(f"không kết nối được cổng {self.name}: {exc}") from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return ""
        if isinstance(data, dict):
            return str(data.get("id") or data.get("message_id") or "")
        return ""
