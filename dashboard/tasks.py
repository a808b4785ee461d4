"""Celery tasks of the dashboard: thin interfaces over dashboard/summary.py, idempotent (they recount)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import summary


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=20, default_retry_delay=60)
def refresh_dossier_stats(self, dossier_id: int) -> int:
    """The summary rows of one dossier (when the after-commit refresh could not run). Retries while a
    rebuild holds the table."""
    try:
        return len(summary.refresh_dossier(dossier_id))
    except summary.RebuildRunning as exc:
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True, ignore_result=True)
def rebuild_stats(first: str | None = None, last: str | None = None, days: int = 3) -> dict:
    """Recount [first, last] (ISO dates); by default the last ``days`` days — the nightly safety net for
    edits that bypass the workflow (an administrator correcting a dossier by hand)."""
    today = timezone.localdate()
    end = dt.date.fromisoformat(last) if last else today
    start = dt.date.fromisoformat(first) if first else end - dt.timedelta(days=days - 1)
    return summary.rebuild(start, end)
