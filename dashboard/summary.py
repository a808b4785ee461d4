"""Keeping the summary tables current: incrementally on every event, or by rebuilding a period.

**Incremental.** After a transition commits, the workflow sends ``dossier_transitioned``; after a rating or
a feedback about a dossier commits, ratings sends ``rating_recorded`` / ``feedback_recorded``. For each,
``refresh_dossier`` recomputes the rows the dossier counts in — (receiving agency, procedure, day of
receipt), (…, day it finished), (…, day it was rated) — from the dossiers themselves (counting.count for
that one agency, procedure and day), then that month's row as the sum of its days. Recomputing instead of
adding +1 makes it idempotent: a repeated, late or out-of-order event writes the same numbers.

**Concurrency.** Two events for the same (agency, procedure, month) serialise on a PostgreSQL transaction
advisory lock: the second one to take the lock reads after the first one's commit, so the last write
always holds every committed dossier. A rebuild takes the exclusive side of a global lock; an event that
finds a rebuild running does not wait in the clerk's request: it hands the refresh to Celery.

**Rebuild.** ``rebuild(first, last)`` recounts whole days with GROUP BY queries (and working time in Python)
and replaces the rows — for a new installation, after bulk imports (the bench generator), or after an
administrator edits a dossier's agency, procedure or dates by hand (those bypass the workflow).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from dossiers.models import Dossier
from ratings.models import Rating

from . import counting, metrics
from .models import COUNTERS, DailyStat, MonthlyStat

logger = logging.getLogger(__name__)

Key = tuple[int, int, dt.date]  # (agency_id, procedure_id, local day)

_GLOBAL_LOCK = "dashboard-summary-rebuild"


class RebuildRunning(Exception):
    """A rebuild holds the summary: try again later (the Celery task retries)."""


# ----- locks ------------------------------------------------------------------------------------------------

def _lock_key(*parts) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _lock_month(agency_id: int, procedure_id: int, month: dt.date) -> None:
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key("stat", agency_id, procedure_id, month)])


def _share_summary() -> None:
    """Take the shared side of the rebuild lock, or raise RebuildRunning without waiting."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s)", [_lock_key(_GLOBAL_LOCK)])
            if not cursor.fetchone()[0]:
                raise RebuildRunning


def _own_summary() -> None:
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(_GLOBAL_LOCK)])


# ----- one row ----------------------------------------------------------------------------------------------

def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _store(model, lookup: dict, counts: dict[str, int]) -> None:
    if any(counts.values()):
        model.objects.update_or_create(**lookup, defaults=counts)
    else:
        model.objects.filter(**lookup).delete()  # nothing to count: no row (the table stays small)


def recompute_day(agency_id: int, procedure_id: int, day: dt.date) -> dict[str, int]:
    """Recount one (agency, procedure, day) row from the dossiers. Call inside a transaction holding the lock."""
    start, end = counting.day_bounds(day, day)
    where = counting.Where(agency_ids=frozenset({agency_id}), procedure_id=procedure_id)
    counts = counting.count(where, start, end)
    _store(DailyStat, {"agency_id": agency_id, "procedure_id": procedure_id, "day": day}, counts)
    return counts


def recompute_month(agency_id: int, procedure_id: int, month: dt.date) -> None:
    sums = DailyStat.objects.filter(agency_id=agency_id, procedure_id=procedure_id, day__gte=month,
                                    day__lte=_month_end(month)).aggregate(**{c: Sum(c, default=0) for c in COUNTERS})
    _store(MonthlyStat, {"agency_id": agency_id, "procedure_id": procedure_id, "month": month},
           {c: int(v) for c, v in sums.items()})


def recompute(keys: Iterable[Key]) -> None:
    """Recount the given day rows and their months, each month under its lock, in one transaction."""
    by_month: dict[tuple[int, int, dt.date], set[dt.date]] = defaultdict(set)
    for agency_id, procedure_id, day in keys:
        by_month[(agency_id, procedure_id, month_of(day))].add(day)
    with transaction.atomic():
        _share_summary()
        for (agency_id, procedure_id, month), days in sorted(by_month.items()):  # sorted: no lock-order deadlock
            _lock_month(agency_id, procedure_id, month)
            for day in sorted(days):
                recompute_day(agency_id, procedure_id, day)
            recompute_month(agency_id, procedure_id, month)


# ----- one dossier ------------------------------------------------------------------------------------------

def keys_of_dossier(dossier_id: int) -> set[Key]:
    """The rows a dossier counts in: the days it was received, finished and rated."""
    row = (Dossier.objects.filter(pk=dossier_id)
           .values("receiving_agency_id", "procedure_id", "received_at", "completed_at").first())
    if row is None:
        return set()
    agency_id, procedure_id = row["receiving_agency_id"], row["procedure_id"]
    keys = {(agency_id, procedure_id, timezone.localdate(row[name]))
            for name in ("received_at", "completed_at") if row[name] is not None}
    rating = Rating.objects.filter(dossier_id=dossier_id).values("agency_id", "procedure_id", "created_at").first()
    if rating is not None:
        keys.add((rating["agency_id"], rating["procedure_id"], timezone.localdate(rating["created_at"])))
    return keys


def refresh_dossier(dossier_id: int) -> set[Key]:
    """Bring the summary rows of one dossier up to date. Idempotent. Raises RebuildRunning during a rebuild."""
    keys = keys_of_dossier(dossier_id)
    if keys:
        recompute(keys)
    return keys


def refresh_after_event(dossier_id: int) -> None:
    """What the signal receivers call (after commit): refresh now, or let Celery do it if that fails.

    The clerk's action has committed already; a summary problem must never turn it into an error page.
    """
    try:
        refresh_dossier(dossier_id)
    except Exception as exc:
        if not isinstance(exc, RebuildRunning):
            logger.exception("summary refresh failed for dossier %s; retrying in Celery", dossier_id)
        from .tasks import refresh_dossier_stats

        try:
            refresh_dossier_stats.apply_async(args=[dossier_id], countdown=30)
        except Exception:
            logger.exception("could not enqueue the summary refresh of dossier %s", dossier_id)


# ----- rebuilding a period ------------------------------------------------------------------------------------

def _grouped(qs, day_field: str, aggregates: dict) -> dict[Key, dict]:
    rows = (qs.annotate(_day=TruncDate(day_field, tzinfo=timezone.get_default_timezone()))
            .values("_agency", "procedure_id", "_day").annotate(**aggregates).order_by())
    return {(r.pop("_agency"), r.pop("procedure_id"), r.pop("_day")): r for r in rows}


def count_days(first: dt.date, last: dt.date, agency_ids: frozenset[int] | None = None) -> dict[Key, dict[str, int]]:
    """Every non-empty day row of [first, last], counted with one GROUP BY per event kind."""
    from django.db.models import F

    start, end = counting.day_bounds(first, last)
    where = counting.Where(agency_ids=agency_ids)
    base = Dossier.objects.filter(where.dossiers()).annotate(_agency=F("receiving_agency_id"))
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    parts = [
        _grouped(counting.received_queryset(base.filter(received_at__gte=start, received_at__lt=end)),
                 "received_at", counting.received_aggregates()),
        _grouped(counting.finished_queryset(base.filter(completed_at__gte=start, completed_at__lt=end)),
                 "completed_at", counting.finished_aggregates()),
        _grouped(Rating.objects.filter(where.ratings(), created_at__gte=start, created_at__lt=end)
                 .annotate(_agency=F("agency_id")), "created_at", counting.rating_aggregates()),
    ]
    for part in parts:
        for key, values in part.items():
            for name, value in values.items():
                rows[key][name] += int(value or 0)
    # Working time, dossier by dossier, in chunks so a million finished dossiers stay in constant memory.
    calendars = counting.Calendars()
    finished = (base.filter(metrics.q_finished(), completed_at__gte=start, completed_at__lt=end)
                .order_by("pk").values(*counting.DURATION_FIELDS))
    last_id = 0
    while True:
        chunk = list(finished.filter(pk__gt=last_id)[:5000])
        if not chunk:
            break
        for row, d in counting.durations_of(chunk, calendars):
            key = (row["receiving_agency_id"], row["procedure_id"], timezone.localdate(row["completed_at"]))
            counters = rows[key]
            counters["processing_seconds"] += d.processing
            if d.allowed is not None:
                counters["processing_seconds_timed"] += d.processing
                counters["allowed_seconds"] += d.allowed
        last_id = chunk[-1]["id"]
    return {key: counters for key, counters in rows.items() if any(counters.values())}


def _month_chunks(first: dt.date, last: dt.date):
    cursor = first
    while cursor <= last:
        chunk_last = min(last, _month_end(cursor))
        yield cursor, chunk_last
        cursor = chunk_last + dt.timedelta(days=1)


def rebuild(first: dt.date, last: dt.date, *, agency_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Replace the day rows of [first, last] (and the months they touch) with a fresh count. Idempotent.

    One transaction (an event arriving meanwhile is handed to Celery, see ``refresh_after_event``), counted a
    month at a time so memory stays bounded by one month's rows whatever the period.
    """
    agency_ids = frozenset(agency_ids) if agency_ids is not None else None
    agency_q = Q(agency_id__in=agency_ids) if agency_ids is not None else Q()
    day_rows = 0
    with transaction.atomic():
        _own_summary()
        DailyStat.objects.filter(agency_q, day__gte=first, day__lte=last).delete()
        for chunk_first, chunk_last in _month_chunks(first, last):
            rows = count_days(chunk_first, chunk_last, agency_ids)
            DailyStat.objects.bulk_create(
                [DailyStat(agency_id=a, procedure_id=p, day=d, **c) for (a, p, d), c in rows.items()],
                batch_size=2000)
            day_rows += len(rows)
        first_month, last_month = month_of(first), month_of(last)
        MonthlyStat.objects.filter(agency_q, month__gte=first_month, month__lte=last_month).delete()
        months = (DailyStat.objects.filter(agency_q, day__gte=first_month, day__lte=_month_end(last_month))
                  .annotate(_month=TruncMonth("day")).values("agency_id", "procedure_id", "_month")
                  .annotate(**{c: Sum(c) for c in COUNTERS}).order_by())
        MonthlyStat.objects.bulk_create(
            (MonthlyStat(agency_id=m.pop("agency_id"), procedure_id=m.pop("procedure_id"), month=m.pop("_month"),
                         **{c: int(v or 0) for c, v in m.items()}) for m in months.iterator(chunk_size=2000)),
            batch_size=2000)
    return {"days": (last - first).days + 1, "day_rows": day_rows}
