"""Signals other apps subscribe to (the dashboard's summary table). Ratings imports none of the subscribers."""

from django.dispatch import Signal

# Sent after the transaction that stored a rating committed, with ``rating_id`` and ``dossier_id``.
rating_recorded = Signal()
# Sent after a feedback about a dossier (``dossier_id``) was stored and committed, with ``feedback_id``.
feedback_recorded = Signal()
