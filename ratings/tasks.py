"""Celery tasks of ratings: thin interfaces, idempotent (the notices' unique key)."""

from celery import shared_task

from . import alerts


@shared_task(acks_late=True, ignore_result=True)
def sweep_feedback_deadlines() -> dict:
    """The beat's feedback sweep: notices for answers near or past their deadline, and late publications."""
    return alerts.sweep()
