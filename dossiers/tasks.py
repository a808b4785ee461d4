"""Celery tasks of the dossiers app: thin interfaces that call the sweep and the outbox.

All run with ``acks_late`` (config/settings.py): a worker killed mid-task leaves the message to be
redelivered, which is safe because every task here is idempotent — the sweep inserts with ON CONFLICT DO
NOTHING under a unique key, a notification is sent only from ``pending`` under a row lock.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import alerts
from .notifications import outbox
from .notifications.channels import TransientChannelError

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def sweep_deadlines(chunk_size: int | None = None) -> dict:
    """The beat's deadline sweep (every DEADLINE_SWEEP_SECONDS), then the outbox's stragglers."""
    result = alerts.sweep(chunk_size=chunk_size)
    redispatched = 0 if result.skipped else outbox.redispatch_stale()
    return {**result.as_dict(), "notifications_redispatched": redispatched}


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(TransientChannelError,),
    retry_backoff=getattr(settings, "NOTIFY_RETRY_BACKOFF", 30),
    retry_backoff_max=getattr(settings, "NOTIFY_RETRY_BACKOFF_MAX", 600),
    retry_jitter=True,
    max_retries=getattr(settings, "NOTIFY_MAX_RETRIES", 8),
)
def send_notification(self, notification_id: int) -> str:
    """Send one outbox row; transient failures come back with exponential backoff."""
    return outbox.deliver(notification_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(acks_late=True, ignore_result=True)
def send_alert_digests() -> int:
    """Daily: one e-mail per staff member with unread alerts (at most one per day, whatever the reruns)."""
    return len(outbox.queue_alert_digests())
