"""The deadline sweep and the staff's alerts (issue 5: deadlines that act).

``sweep(now=...)`` finds open dossiers whose appointment (``due_at``), current step (``step_due_at``) or
online confirmation (``confirm_due_at``) is near or past, and writes one ``Alert`` per person who must act.

How it stays correct when it runs every few minutes on a million dossiers:

* **Exactly once.** ``Alert`` is unique on (dossier, kind, deadline, recipient) and rows are inserted with
  ON CONFLICT DO NOTHING, so a rerun, an overlapping sweep or a worker restarted half-way never duplicates.
  All alerts of one chunk are written in one transaction: a dossier is either fully alerted or not at all,
  and the next sweep finds what a killed one left undone — nothing is missed.
* **Cheap when nothing is new.** The query asks the database only for dossiers with a deadline crossed AND
  no alert yet for that (kind, deadline) — an anti-join on the alert's unique index — reading the partial
  index ``dossier_open_idx`` (open statuses only). A second sweep right after the first reads no rows.
* **Constant memory.** Keyset pagination on ``id`` in chunks; nothing accumulates across chunks except the
  per-agency recipients (bounded by the number of agencies).
* **One sweep at a time.** A PostgreSQL advisory lock (released by the server if the worker dies) or, on
  SQLite, a cache lock. A sweep that finds the lock taken returns at once: the running one does the work.

"Near due" means less than ``settings.NEAR_DUE_WORKING_HOURS`` of working time left (default 8 hours = one
working day), counted on the calendar of the receiving agency (the workflow counts every deadline there) —
so a long weekend or Tết in between does not trigger a warning days early. Paused dossiers (supplement) are
not swept: their clock does not run, and ``due_at`` moves forward when they resume.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Agency, User
from accounts.roles import Role

from . import deadlines
from .models import OPEN_STATUSES, Alert, AlertKind, CalendarException, Dossier, Status

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2000
# Arbitrary but fixed: the advisory-lock key of the deadline sweep (pg_try_advisory_lock takes a bigint).
SWEEP_LOCK_KEY = 0x6D6F74637561_01  # "motcua" + 1
SWEEP_CACHE_LOCK = "dossiers:alerts:sweep-lock"
SWEEP_CACHE_LOCK_SECONDS = 30 * 60

# Who is warned about what. The holder of the step acts; the leader re-assigns or signs the apology; the
# desk answers the citizen and issues the new appointment.
DOSSIER_KINDS = (AlertKind.NEAR_DUE, AlertKind.OVERDUE)
STEP_KINDS = (AlertKind.STEP_NEAR_DUE, AlertKind.STEP_OVERDUE)

_FIELDS = ("id", "status", "due_at", "step_due_at", "confirm_due_at", "assignee_id", "receiving_agency_id",
           "current_agency_id")


@dataclass
class SweepResult:
    skipped: bool = False  # another sweep holds the lock
    chunks: int = 0
    dossiers: int = 0  # dossiers read (each had at least one deadline without its alert)
    alerts: int = 0  # alert rows written (PostgreSQL: inserted; elsewhere: offered, conflicts ignored)
    by_kind: dict[str, int] = field(default_factory=dict)
    read_seconds: float = 0.0  # time in the chunk queries
    write_seconds: float = 0.0  # time inserting alerts

    def as_dict(self) -> dict:
        return {"skipped": self.skipped, "chunks": self.chunks, "dossiers": self.dossiers, "alerts": self.alerts,
                "by_kind": dict(self.by_kind), "read_seconds": round(self.read_seconds, 3),
                "write_seconds": round(self.write_seconds, 3)}


# ----- the lock -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def sweep_lock() -> Iterator[bool]:
    """Yields True when this process may sweep.

    PostgreSQL: a session-level advisory lock; if the worker is killed, its connection closes and the server
    frees the lock, so the next sweep is never blocked by a dead one. Elsewhere (SQLite, the embedded set-up)
    an atomic ``cache.add`` with an expiry — SQLite serialises writers anyway, so the lock only saves work.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
        return
    token = uuid.uuid4().hex
    try:
        acquired = cache.add(SWEEP_CACHE_LOCK, token, timeout=SWEEP_CACHE_LOCK_SECONDS)
    except Exception:  # no usable cache: sweep anyway, the unique constraint keeps it correct
        logger.warning("sweep lock: cache unavailable, sweeping without a lock", exc_info=True)
        acquired, token = True, None
    try:
        yield acquired
    finally:
        if acquired and token is not None:
            with contextlib.suppress(Exception):
                if cache.get(SWEEP_CACHE_LOCK) == token:
                    cache.delete(SWEEP_CACHE_LOCK)


# ----- "near": the moment from which less than the configured working time is left --------------------------


def near_due_seconds() -> int:
    return int(float(getattr(settings, "NEAR_DUE_WORKING_HOURS", 8)) * 3600)


@dataclass(frozen=True)
class NearThresholds:
    """For each agency, the deadline before which a dossier counts as near due at ``now``.

    Deadlines are computed on the calendar of the agency that set them; agencies share a calendar unless
    they have their own working sessions or their own calendar exceptions, so there are a handful of
    distinct thresholds whatever the number of agencies. ``default`` covers agencies not listed.
    """

    default: datetime
    by_agency: dict[int, datetime]

    def for_agency(self, agency_id: int | None) -> datetime:
        return self.by_agency.get(agency_id, self.default)

    def q(self, deadline_field: str, agency_field: str) -> Q:
        """``deadline_field`` before the threshold of the row's agency, as SQL."""
        groups: dict[datetime, list[int]] = defaultdict(list)
        for agency_id, moment in self.by_agency.items():
            if moment != self.default:
                groups[moment].append(agency_id)
        special = [a for ids in groups.values() for a in ids]
        result = Q(**{f"{deadline_field}__lt": self.default})
        if special:
            result &= ~Q(**{f"{agency_field}__in": special})
        for moment, ids in groups.items():
            result |= Q(**{f"{agency_field}__in": ids, f"{deadline_field}__lt": moment})
        return result


def near_thresholds(now: datetime, seconds: int | None = None) -> NearThresholds:
    seconds = near_due_seconds() if seconds is None else seconds
    default = deadlines.add_working_seconds(now, seconds, agency=None)
    own_exceptions = set(
        CalendarException.objects.filter(agency__isnull=False).order_by().values_list("agency_id", flat=True)
        .distinct()
    )
    default_sessions = tuple(deadlines.DEFAULT_SESSIONS)
    by_sessions: dict[tuple, datetime] = {}
    by_agency: dict[int, datetime] = {}
    # Agencies number in the hundreds (a province's departments and communes): one small read.
    agencies = Agency.objects.order_by().only("id", "morning_start", "morning_end", "afternoon_start",
                                              "afternoon_end")
    for agency in agencies:
        sessions = ((agency.morning_start, agency.morning_end), (agency.afternoon_start, agency.afternoon_end))
        if agency.pk in own_exceptions:
            moment = deadlines.add_working_seconds(now, seconds, agency=agency)
        elif sessions == default_sessions:
            continue  # the default calendar
        else:
            if sessions not in by_sessions:
                by_sessions[sessions] = deadlines.add_working_seconds(now, seconds, agency=agency)
            moment = by_sessions[sessions]
        if moment != default:
            by_agency[agency.pk] = moment
    return NearThresholds(default=default, by_agency=by_agency)


# ----- which deadlines of a dossier call for an alert ------------------------------------------------------


def _missing(kind: str, deadline_field: str) -> Exists:
    # "deadline between d and d" rather than "= d": same rows, but PostgreSQL can no longer turn the
    # subquery into a hashed subplan, which would read every alert ever written once per chunk. It probes
    # the unique index instead (dossier, kind, deadline…): one index lookup per dossier with a crossed deadline.
    return ~Exists(Alert.objects.filter(dossier_id=OuterRef("pk"), kind=kind, deadline__gte=OuterRef(deadline_field),
                                        deadline__lte=OuterRef(deadline_field)))


def candidates_q(now: datetime, near: NearThresholds) -> Q:
    """Open dossiers with at least one crossed deadline that has no alert yet (the anti-join)."""
    due_near = near.q("due_at", "receiving_agency_id")
    # The workflow counts step deadlines on the receiving agency's calendar too (workflow._calendar_agency).
    step_near = near.q("step_due_at", "receiving_agency_id")
    # "IS NOT NULL" first: a comparison with NULL is unknown, not false, and would not spare the index probe.
    due, step, confirm = Q(due_at__isnull=False), Q(step_due_at__isnull=False), Q(confirm_due_at__isnull=False)
    return (
        (due & Q(due_at__lt=now) & _missing(AlertKind.OVERDUE, "due_at"))
        | (due & Q(due_at__gte=now) & due_near & _missing(AlertKind.NEAR_DUE, "due_at"))
        | (step & Q(step_due_at__lt=now) & _missing(AlertKind.STEP_OVERDUE, "step_due_at"))
        | (step & Q(step_due_at__gte=now) & step_near & _missing(AlertKind.STEP_NEAR_DUE, "step_due_at"))
        | (confirm & Q(status=Status.SUBMITTED, confirm_due_at__lt=now)
           & _missing(AlertKind.CONFIRM_OVERDUE, "confirm_due_at"))
    )


def deadlines_crossed(row: dict, now: datetime, near: NearThresholds) -> list[tuple[str, datetime]]:
    """(kind, deadline) pairs of one dossier at ``now``. Exactly due counts as near, a minute past as overdue."""
    found = []
    due = row["due_at"]
    if due is not None:
        if due < now:
            found.append((AlertKind.OVERDUE, due))
        elif due < near.for_agency(row["receiving_agency_id"]):
            found.append((AlertKind.NEAR_DUE, due))
    step_due = row["step_due_at"]
    if step_due is not None:
        if step_due < now:
            found.append((AlertKind.STEP_OVERDUE, step_due))
        elif step_due < near.for_agency(row["receiving_agency_id"]):
            found.append((AlertKind.STEP_NEAR_DUE, step_due))
    confirm_due = row["confirm_due_at"]
    if row["status"] == Status.SUBMITTED and confirm_due is not None and confirm_due < now:
        found.append((AlertKind.CONFIRM_OVERDUE, confirm_due))
    return found


class Recipients:
    """Active leaders and desk clerks per agency, loaded once per agency per sweep."""

    def __init__(self):
        self._by_agency: dict[int, dict[str, list[int]]] = {}

    def load(self, agency_ids) -> None:
        missing = {a for a in agency_ids if a is not None and a not in self._by_agency}
        if not missing:
            return
        for agency_id in missing:
            self._by_agency[agency_id] = {Role.LEADER: [], Role.CLERK: []}
        rows = (
            User.objects.filter(is_active=True, agency_id__in=missing, groups__name__in=[Role.LEADER, Role.CLERK])
            .values_list("id", "agency_id", "groups__name")
            .order_by("id")
        )
        for user_id, agency_id, role in rows:
            self._by_agency[agency_id][role].append(user_id)

    def leaders(self, agency_id) -> list[int]:
        return self._by_agency.get(agency_id, {}).get(Role.LEADER, [])

    def clerks(self, agency_id) -> list[int]:
        return self._by_agency.get(agency_id, {}).get(Role.CLERK, [])

    def for_alert(self, kind: str, row: dict) -> set[int]:
        assignee = row["assignee_id"]
        if kind in STEP_KINDS:
            # The holder of the step; nobody holds it yet → the leader who should assign it.
            return {assignee} if assignee else set(self.leaders(row["current_agency_id"]))
        if kind == AlertKind.CONFIRM_OVERDUE:
            agency = row["receiving_agency_id"]
            return set(self.clerks(agency)) | set(self.leaders(agency))
        people = set(self.leaders(row["current_agency_id"])) | set(self.clerks(row["receiving_agency_id"]))
        if assignee:
            people.add(assignee)
        return people


# ----- the sweep ------------------------------------------------------------------------------------------


def insert_alerts(rows: list[tuple[int, str, datetime, int]], *, created_at: datetime) -> int:
    """Insert (dossier id, kind, deadline, recipient id) rows, skipping those that exist. Returns the count.

    PostgreSQL: one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING per chunk — no model instances
    (a first sweep over a large backlog writes hundreds of thousands of rows) and the exact number inserted.
    Elsewhere ``bulk_create(ignore_conflicts=True)``, which cannot say how many were new.
    """
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        dossier_ids, kinds, moments, recipient_ids = (list(column) for column in zip(*rows, strict=True))
        table = connection.ops.quote_name(Alert._meta.db_table)  # from the model; every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (dossier_id, kind, deadline, recipient_id, created_at) "
                "SELECT d, k, t, r, %s FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::bigint[]) "
                "AS new(d, k, t, r) ON CONFLICT DO NOTHING",
                [created_at, dossier_ids, kinds, moments, recipient_ids],
            )
            return cursor.rowcount
    Alert.objects.bulk_create(
        [Alert(dossier_id=d, kind=k, deadline=t, recipient_id=r, created_at=created_at) for d, k, t, r in rows],
        ignore_conflicts=True, batch_size=500,
    )
    return len(rows)



def sweep(*, now: datetime | None = None, chunk_size: int | None = None) -> SweepResult:
    """Alert everyone concerned about every crossed deadline that has no alert yet. Idempotent, resumable."""
    now = now or timezone.now()
    chunk_size = chunk_size or getattr(settings, "DEADLINE_SWEEP_CHUNK", DEFAULT_CHUNK_SIZE)
    result = SweepResult()
    with sweep_lock() as acquired:
        if not acquired:
            logger.info("deadline sweep skipped: another sweep is running")
            result.skipped = True
            return result
        near = near_thresholds(now)
        base = Dossier.objects.filter(status__in=OPEN_STATUSES).filter(candidates_q(now, near))
        recipients = Recipients()
        by_kind: dict[str, int] = defaultdict(int)
        last_id = 0
        while True:
            # One transaction per chunk: the read and the alerts it leads to commit together, so a dossier's
            # alerts land all at once or not at all, and a kill loses at most the chunk in flight.
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # The chunk query is cheap; compiling it with JIT costs more than running it (~200 ms).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL jit = off")
                started = time.perf_counter()
                rows = list(base.filter(pk__gt=last_id).order_by("pk").values(*_FIELDS)[:chunk_size])
                result.read_seconds += time.perf_counter() - started
                if not rows:
                    break
                recipients.load({r["receiving_agency_id"] for r in rows} | {r["current_agency_id"] for r in rows})
                found = []
                for row in rows:
                    for kind, deadline in deadlines_crossed(row, now, near):
                        for user_id in sorted(recipients.for_alert(kind, row)):
                            found.append((row["id"], str(kind), deadline, user_id))
                            by_kind[str(kind)] += 1
                started = time.perf_counter()
                result.alerts += insert_alerts(found, created_at=timezone.now())
                result.write_seconds += time.perf_counter() - started
            result.chunks += 1
            result.dossiers += len(rows)
            last_id = rows[-1]["id"]
            if len(rows) < chunk_size:
                break
        result.by_kind = dict(by_kind)
    logger.info("deadline sweep at %s: %s", now.isoformat(), result.as_dict())
    return result


# ----- the staff's side: unread count, list, mark as read, digest -------------------------------------------


def unread_count(user) -> int:
    return Alert.objects.filter(recipient=user, read_at__isnull=True).count()


def alerts_for(user, *, unread_only: bool = False):
    qs = Alert.objects.filter(recipient=user).select_related(
        "dossier", "dossier__procedure", "dossier__current_agency", "dossier__assignee"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def alert_mark_read(*, by, alert_ids=None, now: datetime | None = None) -> int:
    """Mark the user's own alerts as read (all unread ones when ``alert_ids`` is None). Returns how many."""
    qs = Alert.objects.filter(recipient=by, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(pk__in=list(alert_ids))
    return qs.update(read_at=now or timezone.now())
