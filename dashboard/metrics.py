"""What each number means — one place, used by the summary table, the direct count and the drill-down.

DOMAIN.md Part A "Time rules" and B §5 (Decision 766, indicator 2.1):

* A dossier is **received** when the desk received it (``received_at``); online submissions not yet
  confirmed and dossiers refused at reception were never received and are not judged on time.
* It is **finished** at ``completed_at`` — the first of result ready, returned, stopped, refused or
  withdrawn (the workflow stamps it once, dossiers/workflow.py ``_finish``).
* It is judged against ``original_due_at``: an apology or extension moves ``due_at`` but not this, so a
  delayed dossier stays late; supplement pauses move both (the citizen's time does not count).
* **Late**: more than one supplement request during processing (766: "more than one Yêu cầu bổ sung ⇒
  late"), or finished after the original appointment — one minute after is late.
* **On time**: finished at or before the appointment, on the appointment's (local) day.
* **Early**: finished on a day before the appointment's day.
* A dossier without an appointment (a procedure whose time limit is not published) cannot be late by time.
* An **open** received dossier is **overdue** when it had more than one supplement request, or its clock
  has passed the original appointment: now, or — while paused for a supplement — the moment it was paused.

The same rules exist twice, on purpose: as SQL conditions (``Q``) for counting and listing in the
database, and as a Python function for a single dossier. The tests hold them equal on random histories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from dossiers import deadlines
from dossiers.models import Channel, Status
from procedures.models import TimeUnit

EARLY, ON_TIME, LATE = deadlines.EARLY, deadlines.ON_TIME, deadlines.LATE
WORKING_DAY_SECONDS = 8 * 3600

# Received and not finished: the statuses of a dossier whose clock runs, or is paused.
PENDING_STATUSES = (Status.RECEIVED, Status.PROCESSING, Status.FINANCIAL, Status.SUPPLEMENT)
RESULT_STATUSES = (Status.RESULT_READY, Status.RETURNED)


# ----- the rules in SQL -------------------------------------------------------------------------------------

def q_late() -> Q:
    return Q(processing_supplement_count__gt=1) | Q(completed_at__gt=F("original_due_at"))


def _local_day(field: str):
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def finished_annotations() -> dict:
    """Annotations the early / on-time conditions need (the local day of finishing and of the appointment)."""
    return {"_done_day": _local_day("completed_at"), "_due_day": _local_day("original_due_at")}


def q_finished() -> Q:
    """Received and finished (refused dossiers were never received: see ``q_refused``)."""
    return Q(received_at__isnull=False, completed_at__isnull=False)


def q_early() -> Q:
    """Needs ``finished_annotations()``."""
    return ~q_late() & Q(original_due_at__isnull=False, _done_day__lt=F("_due_day"))


def q_on_time() -> Q:
    """Needs ``finished_annotations()``."""
    return ~q_late() & (Q(original_due_at__isnull=True) | Q(_done_day=F("_due_day")))


def q_pending() -> Q:
    return Q(received_at__isnull=False, completed_at__isnull=True, status__in=PENDING_STATUSES)


def q_overdue(now: dt.datetime) -> Q:
    """Of the pending dossiers: those already late at ``now`` (a paused clock stopped at ``paused_at``)."""
    running_late = ~Q(status=Status.SUPPLEMENT) & Q(original_due_at__lt=now)
    paused_late = Q(status=Status.SUPPLEMENT, paused_at__gt=F("original_due_at"))
    return Q(processing_supplement_count__gt=1) | running_late | paused_late


def q_refused() -> Q:
    return Q(status=Status.REFUSED, completed_at__isnull=False)


# ----- the rules for one dossier ------------------------------------------------------------------------------

class Outcome(StrEnum):
    EARLY = EARLY
    ON_TIME = ON_TIME
    LATE = LATE


def outcome(*, completed_at: dt.datetime, original_due_at: dt.datetime | None,
            processing_supplement_count: int) -> Outcome:
    """Early / on time / late of a finished dossier (see the module docstring)."""
    if processing_supplement_count > 1:
        return Outcome.LATE
    if original_due_at is None:
        return Outcome.ON_TIME
    return Outcome(deadlines.timeliness(completed_at, original_due_at))


def is_overdue(*, status: str, original_due_at: dt.datetime | None, paused_at: dt.datetime | None,
               processing_supplement_count: int, now: dt.datetime) -> bool:
    """Whether a pending dossier is already late at ``now``."""
    if processing_supplement_count > 1:
        return True
    if original_due_at is None:
        return False
    if status == Status.SUPPLEMENT:
        return paused_at is not None and paused_at > original_due_at
    return original_due_at < now


# ----- processing time ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Durations:
    processing: int  # working seconds from receipt to finish, the citizen's supplement time left out
    allowed: int | None  # working seconds the appointment allowed; None without a time limit


def durations(*, calendar, received_at: dt.datetime, completed_at: dt.datetime,
              original_due_at: dt.datetime | None, time_limit, time_unit: str,
              pauses: list[tuple[dt.datetime, dt.datetime | None]]) -> Durations:
    """Processing time against the time allowed, in working seconds of the receiving agency's calendar.

    ``pauses`` are the supplement pauses during processing (not those at reception, before the receipt).
    Decision 766 (indicator 2.2) subtracts the citizen's supplement time. The time allowed is the limit the
    appointment was computed from (working days × 8 hours, working hours); for same-day services and
    limits in calendar days, the working time between receipt and the original appointment, less the
    pauses that moved it.
    """
    paused = 0
    paused_resumed = 0
    for started, ended in pauses:
        end = min(ended or completed_at, completed_at)
        if end > started:
            seconds = calendar.working_seconds_between(started, end)
            paused += seconds
            if ended is not None and ended < completed_at:
                paused_resumed += seconds  # resumed before the finish: it moved the appointment
    processing = max(calendar.working_seconds_between(received_at, completed_at) - paused, 0)
    if original_due_at is None:
        return Durations(processing, None)
    if time_limit is not None and time_limit > 0 and time_unit == TimeUnit.WORKING_DAYS:
        allowed = int(time_limit * WORKING_DAY_SECONDS)
    elif time_limit is not None and time_limit > 0 and time_unit == TimeUnit.WORKING_HOURS:
        allowed = int(time_limit * 3600)
    else:
        allowed = max(calendar.working_seconds_between(received_at, original_due_at) - paused_resumed, 0)
    return Durations(processing, allowed)


CHANNEL_COUNTERS = {
    Channel.DESK: "received_desk",
    Channel.ONLINE: "received_online",
    Channel.POSTAL: "received_postal",
}
