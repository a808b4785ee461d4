"""Feedback deadlines that act: the sweep writes a notice for each answer deadline near or past.

Same mechanics as the dossiers' deadline sweep (dossiers/alerts.py): a notice is unique per (recipient,
event key) and inserted with ON CONFLICT DO NOTHING, so reruns and overlapping sweeps never duplicate; a
PostgreSQL advisory lock (its own key) lets one sweep run at a time. "Near" uses the dossiers' setting
NEAR_DUE_WORKING_HOURS on the handling agency's calendar. Feedback is counted in hundreds, not millions:
one pass over the open ones is enough.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from dossiers import deadlines
from dossiers.alerts import near_due_seconds

from .models import Feedback, FeedbackStatus, Notice, NoticeKind
from .services import agency_staff

logger = logging.getLogger(__name__)

SWEEP_LOCK_KEY = 0x6D6F74637561_06  # "motcua" + 6 (dossiers' sweep is + 1)


@contextlib.contextmanager
def _lock() -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True  # SQLite serialises writers; the unique key keeps it correct anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])


def crossed(feedback: Feedback, now: datetime, near_until: datetime) -> tuple[str, datetime] | None:
    """The (kind, deadline) a feedback calls for at ``now``: exactly due is near, a minute past is overdue."""
    if feedback.status == FeedbackStatus.RECEIVED and feedback.answer_due_at is not None:
        due = feedback.answer_due_at
        if due < now:
            return NoticeKind.FEEDBACK_OVERDUE, due
        if due < near_until:
            return NoticeKind.FEEDBACK_NEAR_DUE, due
    if (feedback.status == FeedbackStatus.ANSWERED and feedback.allow_publish
            and feedback.publish_due_at is not None and feedback.publish_due_at < now):
        return NoticeKind.PUBLISH_OVERDUE, feedback.publish_due_at
    return None


def sweep(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    with _lock() as acquired:
        if not acquired:
            return {"skipped": True, "notices": 0}
        seconds = near_due_seconds()
        near_by_agency: dict[int, datetime] = {}
        staff_by_agency: dict[int, list] = {}
        notices = []
        candidates = (Feedback.objects.select_related("agency")
                      .filter(status__in=[FeedbackStatus.RECEIVED, FeedbackStatus.ANSWERED])
                      .exclude(status=FeedbackStatus.ANSWERED, allow_publish=False))
        for feedback in candidates.iterator(chunk_size=500):
            agency = feedback.agency
            if agency.pk not in near_by_agency:
                near_by_agency[agency.pk] = deadlines.add_working_seconds(now, seconds, agency=agency)
            found = crossed(feedback, now, near_by_agency[agency.pk])
            if found is None:
                continue
            kind, deadline = found
            if agency.pk not in staff_by_agency:
                staff_by_agency[agency.pk] = agency_staff(agency.pk)
            key = f"fb{feedback.pk}:{kind}:{deadline.isoformat()}"
            notices += [Notice(recipient=user, kind=kind, key=key, feedback=feedback, deadline=deadline)
                        for user in staff_by_agency[agency.pk]]
        with transaction.atomic():
            Notice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
    logger.info("feedback sweep at %s: %s notices offered", now.isoformat(), len(notices))
    return {"skipped": False, "notices": len(notices)}
