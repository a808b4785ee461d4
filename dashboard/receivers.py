"""The summary table listens to the workflow and to ratings; neither imports the dashboard."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from dossiers.models import Dossier
from dossiers.signals import dossier_transitioned
from dossiers.workflow import TRANSITIONS
from ratings.signals import feedback_recorded, rating_recorded

from .summary import refresh_after_event


@receiver(dossier_transitioned, sender=Dossier, dispatch_uid="dashboard.summary.on_transition")
def on_transition(sender, *, dossier_id, **kwargs):
    refresh_after_event(dossier_id)  # the workflow sends this after commit already


@receiver(rating_recorded, dispatch_uid="dashboard.summary.on_rating")
@receiver(feedback_recorded, dispatch_uid="dashboard.summary.on_feedback")
def on_rating_or_feedback(sender, *, dossier_id=None, **kwargs):
    if dossier_id is not None:
        refresh_after_event(dossier_id)


# Facts a dossier's counters read that services may change outside a transition (digitising at the desk,
# an online payment, an electronic result). A save by the workflow is followed by dossier_transitioned.
_COUNTED_FIELDS = frozenset({
    "is_digitised", "paid_online", "fee_due_vnd", "result_file", "status", "received_at", "completed_at",
    "original_due_at", "processing_supplement_count", "paused_at", "channel",
})


@receiver(post_save, sender=Dossier, dispatch_uid="dashboard.summary.on_dossier_saved")
def on_dossier_saved(sender, instance, created, update_fields=None, **kwargs):
    if getattr(instance, "_change_reason", None) in TRANSITIONS:
        return
    if instance.received_at is None and instance.completed_at is None:
        return  # a draft or an unconfirmed submission counts nowhere yet
    if update_fields is not None and not (_COUNTED_FIELDS & set(update_fields)):
        return
    dossier_id = instance.pk
    transaction.on_commit(lambda: refresh_after_event(dossier_id))
