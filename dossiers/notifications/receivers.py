"""Citizen notifications subscribe to the workflow's signal; the workflow imports nothing from here."""

import logging

from django.dispatch import receiver

from ..models import Dossier
from ..signals import dossier_transitioned
from .outbox import notify_transition

logger = logging.getLogger("dossiers.notifications")


@receiver(dossier_transitioned, sender=Dossier, dispatch_uid="dossiers.notifications.on_transition")
def on_dossier_transitioned(sender, *, dossier_id, action, step_log_id=None, **kwargs):
    # The transition has committed: a notification problem must not turn the clerk's success into an error.
    try:
        notify_transition(dossier_id=dossier_id, action=action, step_log_id=step_log_id)
    except Exception:
        logger.exception("could not queue notifications for dossier %s (%s)", dossier_id, action)
