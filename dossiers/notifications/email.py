"""E-mail through Django's configured backend (SMTP in production, console with DEBUG)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from .channels import Message, PermanentChannelError, TransientChannelError


def message_id(idempotency_key: str) -> str:
    # A stable Message-ID: if a retry does go out after a crash, mail clients fold it into the first one.
    safe = "".join(c if c.isalnum() or c in "-." else "." for c in idempotency_key)
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "motcua.local"
    return f"<{safe}@{domain}>"


class EmailChannel:
    def __init__(self, name: str = "email"):
        self.name = name

    def send(self, message: Message) -> str:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": message_id(message.idempotency_key)},
        )
        for attachment in message.attachments:
            self._attach(email, attachment)
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentChannelError(f"máy chủ thư từ chối địa chỉ {message.to}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientChannelError(f"không gửi được thư: {exc}") from exc
        return email.extra_headers["Message-ID"]

    @staticmethod
    def _attach(email: EmailMessage, attachment: dict) -> None:
        from ..models import IssuedDocument

        document = IssuedDocument.objects.filter(pk=attachment.get("document_id")).first()
        if document is None:
            return
        with document.file.open("rb") as fh:
            email.attach(attachment.get("filename") or f"{document.number}.pdf", fh.read(), "application/pdf")
