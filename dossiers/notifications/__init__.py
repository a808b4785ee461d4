"""Citizen notifications (e-mail, SMS, Zalo) through an outbox, sent by Celery. See outbox.py, channels.py.

Public API:
    notify_transition(*, dossier_id, action, step_log_id) -> list[int]   # what the signal receiver calls
    deliver(notification_id, *, final_attempt=False) -> "sent" | "failed" | "skipped"
    queue_alert_digests(*, now=None) -> list[int]
    get_channel(name) -> Channel; Message; TransientChannelError; PermanentChannelError
"""

from .channels import Message, PermanentChannelError, TransientChannelError, enabled_channels, get_channel
from .outbox import deliver, notify_transition, queue_alert_digests, redispatch_stale

__all__ = [
    "Message",
    "PermanentChannelError",
    "TransientChannelError",
    "deliver",
    "enabled_channels",
    "get_channel",
    "notify_transition",
    "queue_alert_digests",
    "redispatch_stale",
]
