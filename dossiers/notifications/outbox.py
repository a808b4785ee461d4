"""The outbox: write the message rows, hand them to Celery after commit, deliver each exactly once.

Write: ``notify_transition`` (called by the ``dossier_transitioned`` receiver, i.e. after the workflow's
transaction committed) renders the message once and inserts one ``Notification`` per channel, keyed
``d<dossier>:step<step-log id>:<channel>`` with ON CONFLICT DO NOTHING — a signal delivered twice writes
nothing new. The Celery tasks are enqueued on commit of that insert.

Deliver: ``deliver(id)`` runs inside the ``send_notification`` task. It locks the row
(``SELECT … FOR UPDATE``), returns at once unless it is still pending, sends, and records the outcome in the
same transaction. Two copies of the task (a redelivered message, a re-dispatch) serialise on the row lock and
the second sees ``sent``. The remaining window — the provider accepted, then we died before committing — is
closed by handing the idempotency key to the provider (HTTP header, e-mail Message-ID).

Recover: ``redispatch_stale`` (run by the deadline sweep) re-enqueues rows still pending long after their
retries should have finished — a broker that was down when they were written, a worker that died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import (
    Alert,
    Dossier,
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotifyChannel,
    StepLog,
)
from .channels import Message, PermanentChannelError, TransientChannelError, enabled_channels, get_channel
from .messages import EVENT_FOR_ACTION, render

logger = logging.getLogger("dossiers.notifications")

MAX_ERROR_CHARS = 2000


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_RETRIES", 8)) + 1


# ----- write ----------------------------------------------------------------------------------------------


def destinations(dossier: Dossier) -> list[tuple[str, str]]:
    """(channel, address) pairs the citizen can be reached on, among the enabled channels."""
    enabled = enabled_channels()
    email = dossier.applicant_email or (dossier.submitted_by.email if dossier.submitted_by_id else "")
    found = []
    if NotifyChannel.EMAIL in enabled and email:
        found.append((NotifyChannel.EMAIL.value, email))
    for channel in (NotifyChannel.SMS, NotifyChannel.ZALO):
        if channel in enabled and dossier.applicant_phone:
            found.append((channel.value, dossier.applicant_phone))
    return found


def _payload(channel: str, content: dict, reference: str) -> dict:
    email = channel == NotifyChannel.EMAIL
    return {
        "subject": content["subject"],
        "body": content["email_body"] if email else content["short_body"],
        "reference": reference,
        "attachments": content.get("attachments", []) if email else [],
    }


def notify_transition(*, dossier_id: int, action: str, step_log_id: int | None) -> list[int]:
    """Write the outbox rows for one transition and enqueue them after commit. Returns the pending ids."""
    event = EVENT_FOR_ACTION.get(action)
    if event is None:
        return []
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_agency", "current_agency", "submitted_by")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        return []
    targets = destinations(dossier)
    if not targets:
        return []
    step = StepLog.objects.filter(pk=step_log_id).first() if step_log_id else None
    content = render(event, dossier, step)
    # The step-log row identifies the event; without one (never in the workflow) the action and the
    # dossier's last change stand in for it.
    event_key = f"step{step_log_id}" if step_log_id else f"{action}@{dossier.updated_at:%Y%m%d%H%M%S%f}"
    rows = [
        Notification(
            dossier=dossier,
            event=event,
            channel=channel,
            address=address,
            payload=_payload(channel, content, dossier.code or ""),
            idempotency_key=f"d{dossier.pk}:{event_key}:{channel}",
        )
        for channel, address in targets
    ]
    return write_and_dispatch(rows)


def write_and_dispatch(rows: list[Notification]) -> list[int]:
    keys = [row.idempotency_key for row in rows]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            Notification.objects.filter(idempotency_key__in=keys, status=NotificationStatus.PENDING)
            .order_by("id")
            .values_list("id", flat=True)
        )
        transaction.on_commit(partial(dispatch, ids))
    return ids


def dispatch(ids) -> None:
    from ..tasks import send_notification

    for notification_id in ids:
        try:
            send_notification.delay(notification_id)
        except Exception:  # the row stays pending: redispatch_stale picks it up
            logger.exception("could not enqueue notification %s", notification_id)


# ----- deliver --------------------------------------------------------------------------------------------


def as_message(notification: Notification) -> Message:
    payload = notification.payload or {}
    return Message(
        channel=notification.channel,
        to=notification.address,
        subject=payload.get("subject", ""),
        body=payload.get("body", ""),
        idempotency_key=notification.idempotency_key,
        reference=payload.get("reference", ""),
        attachments=list(payload.get("attachments") or []),
    )


def deliver(notification_id: int, *, final_attempt: bool = False) -> str:
    """Send one outbox row unless it was sent already. Returns 'sent', 'failed' or 'skipped'.

    Raises ``TransientChannelError`` after recording the attempt, for the task to retry with backoff;
    on the final attempt the row is marked failed instead.
    """
    error: Exception | None = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != NotificationStatus.PENDING:
            return "skipped"
        notification.attempts += 1
        fields = ["attempts", "status", "last_error", "sent_at", "provider_message_id"]
        try:
            provider_id = get_channel(notification.channel).send(as_message(notification))
        except PermanentChannelError as exc:
            notification.status = NotificationStatus.FAILED
            notification.last_error = str(exc)[:MAX_ERROR_CHARS]
            notification.save(update_fields=fields)
            logger.warning("notification %s failed for good: %s", notification_id, exc)
            return "failed"
        except Exception as exc:  # transient, or a bug: record it; retry while attempts remain
            notification.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            if final_attempt or notification.attempts >= max_attempts():
                notification.status = NotificationStatus.FAILED
                notification.save(update_fields=fields)
                logger.warning("notification %s failed after %s attempts: %s", notification_id,
                               notification.attempts, exc)
                return "failed"
            notification.save(update_fields=fields)
            error = exc
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.provider_message_id = (provider_id or "")[:255]
            notification.last_error = ""
            notification.save(update_fields=fields)
            return "sent"
    # Outside the transaction: the attempt is committed before Celery schedules the retry.
    if isinstance(error, TransientChannelError):
        raise error
    raise TransientChannelError(str(error)) from error


# ----- recover --------------------------------------------------------------------------------------------


def stale_after() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "NOTIFY_STALE_MINUTES", 120)))


def redispatch_stale(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Re-enqueue rows still pending well after their retries should have ended. Returns how many."""
    cutoff = (now or timezone.now()) - stale_after()
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    dispatch(ids)
    return len(ids)


# ----- the staff's daily digest of unread alerts -------------------------------------------------------------

DIGEST_MAX_LINES = 30


def _alerts_url() -> str:
    try:
        return settings.SITE_URL + reverse("alerts:list")
    except NoReverseMatch:
        return settings.SITE_URL + "/canh-bao/"


def digest_message(user, alerts: list[Alert], unread: int) -> dict:
    from .. import deadlines

    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Một Cửa: %(count)s cảnh báo chưa đọc", "Một Cửa: %(count)s cảnh báo chưa đọc", unread
        ) % {"count": unread}
        lines = [_("Kính gửi %(name)s,") % {"name": user.full_name or user.username}, "",
                 _("Các hồ sơ sau cần ông/bà xử lý (hạn tính theo giờ làm việc):"), ""]
        for alert in alerts:
            dossier = alert.dossier
            lines.append(
                f"- {dossier.code or f'#{dossier.pk}'} — {alert.get_kind_display()} — "
                f"{_('hạn')} {deadlines.format_vn(alert.deadline)} — {dossier.applicant_name}"
            )
        if unread > len(alerts):
            lines.append(_("… và %(more)s cảnh báo khác.") % {"more": unread - len(alerts)})
        lines += ["", _("Xem và đánh dấu đã đọc: %(url)s") % {"url": _alerts_url()}]
    return {"subject": subject, "body": "\n".join(lines), "reference": "", "attachments": []}


def queue_alert_digests(*, now: datetime | None = None) -> list[int]:
    """One e-mail per staff member with unread alerts, at most once a day (the key holds the date)."""
    if NotifyChannel.EMAIL not in enabled_channels():
        return []
    from accounts.models import User

    now = now or timezone.now()
    day = timezone.localdate(now)
    counts = (
        Alert.objects.filter(read_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .order_by("recipient_id")
    )
    ids: list[int] = []
    for row in counts.iterator(chunk_size=500):
        user = User.objects.get(pk=row["recipient_id"])
        alerts = list(
            Alert.objects.filter(recipient=user, read_at__isnull=True)
            .select_related("dossier")
            .order_by("deadline", "id")[:DIGEST_MAX_LINES]
        )
        notification = Notification(
            recipient_user=user,
            event=NotificationEvent.ALERT_DIGEST,
            channel=NotifyChannel.EMAIL,
            address=user.email,
            payload=digest_message(user, alerts, row["unread"]),
            idempotency_key=f"digest:{user.pk}:{day:%Y-%m-%d}",
        )
        ids += write_and_dispatch([notification])
    return ids
