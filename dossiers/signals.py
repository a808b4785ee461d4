"""Signals other apps subscribe to. The workflow sends them; it imports none of the subscribers."""

from django.dispatch import Signal

# Sent once per transition, after the transaction has committed (transaction.on_commit), with
# keyword arguments ``dossier_id``, ``action`` and ``step_log_id``. Receivers must be idempotent:
# they load what they need from the database rather than trusting an in-memory object.
dossier_transitioned = Signal()
