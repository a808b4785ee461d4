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
from .models import COUNTERS, AgencyDayStat, AgencyMonthStat, DailyStat, MonthlyStat, ProcedureMonthStat

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


def _lock_all(locks) -> None:
    """Take every lock in one round trip, in the order of their keys — one order for every transaction,
    so two events never wait on each other in a cycle."""
    if _postgres() and locks:
        keys = sorted({_lock_key("stat", *parts) for parts in locks})
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(%s::bigint[]) AS k "
                           "ORDER BY 1) AS ordered", [keys])


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
    """Write one summed row in one statement (INSERT … ON CONFLICT DO UPDATE), or delete it when empty."""
    if any(counts.values()):
        model.objects.bulk_create([model(**lookup, **counts)], update_conflicts=True,
                                  unique_fields=[_key_field(name) for name in lookup], update_fields=list(COUNTERS))
    else:
        model.objects.filter(**lookup).delete()  # nothing to count: no row (the table stays small)


def _key_field(lookup_name: str) -> str:
    return lookup_name.removesuffix("_id")


def recompute_day(agency_id: int, procedure_id: int, day: dt.date) -> dict[str, int]:
    """Recount one (agency, procedure, day) row from the dossiers. Call inside a transaction holding the lock."""
    start, end = counting.day_bounds(day, day)
    where = counting.Where(agency_ids=frozenset({agency_id}), procedure_id=procedure_id)
    counts = counting.count(where, start, end)
    _store(DailyStat, {"agency_id": agency_id, "procedure_id": procedure_id, "day": day}, counts)
    return counts


def _sum_into(model, lookup: dict, source) -> None:
    sums = source.aggregate(**{c: Sum(c, default=0) for c in COUNTERS})
    _store(model, lookup, {c: int(v) for c, v in sums.items()})


def recompute_month(agency_id: int, procedure_id: int, month: dt.date) -> None:
    _sum_into(MonthlyStat, {"agency_id": agency_id, "procedure_id": procedure_id, "month": month},
              DailyStat.objects.filter(agency_id=agency_id, procedure_id=procedure_id, day__gte=month,
                                       day__lte=_month_end(month)))


def recompute_agency(agency_id: int, days: Iterable[dt.date]) -> None:
    """The agency's day rows (every procedure), then their months."""
    months = set()
    for day in days:
        _sum_into(AgencyDayStat, {"agency_id": agency_id, "day": day},
                  DailyStat.objects.filter(agency_id=agency_id, day=day))
        months.add(month_of(day))
    for month in sorted(months):
        _sum_into(AgencyMonthStat, {"agency_id": agency_id, "month": month},
                  AgencyDayStat.objects.filter(agency_id=agency_id, day__gte=month, day__lte=_month_end(month)))


def recompute_procedure_month(procedure_id: int, month: dt.date) -> None:
    _sum_into(ProcedureMonthStat, {"procedure_id": procedure_id, "month": month},
              MonthlyStat.objects.filter(procedure_id=procedure_id, month=month))


def recompute(keys: Iterable[Key]) -> None:
    """Recount the given day rows and every row that sums them, in one transaction.

    Each summed row is recounted under its own advisory lock — (agency, procedure, month), (agency, month),
    (procedure, month) — taken up front in one global order, so two events never deadlock and the last
    writer of any row has read every committed row below it.
    """
    by_month: dict[tuple[int, int, dt.date], set[dt.date]] = defaultdict(set)
    for agency_id, procedure_id, day in keys:
        by_month[(agency_id, procedure_id, month_of(day))].add(day)
    agency_days: dict[int, set[dt.date]] = defaultdict(set)
    procedure_months: set[tuple[int, dt.date]] = set()
    for (agency_id, procedure_id, month), days in by_month.items():
        agency_days[agency_id] |= days
        procedure_months.add((procedure_id, month))
    locks = sorted({("1", a, p, m) for a, p, m in by_month}
                   | {("2", a, month_of(d)) for a, days in agency_days.items() for d in days}
                   | {("3", p, m) for p, m in procedure_months})
    with transaction.atomic():
        _share_summary()
        _lock_all(locks)
        for (agency_id, procedure_id, month), days in sorted(by_month.items()):
            for day in sorted(days):
                recompute_day(agency_id, procedure_id, day)
            recompute_month(agency_id, procedure_id, month)
        for agency_id, days in sorted(agency_days.items()):
            recompute_agency(agency_id, sorted(days))
        for procedure_id, month in sorted(procedure_months):
            recompute_procedure_month(procedure_id, month)


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


def _insert_sums(model, source, keys: tuple[str, ...]) -> None:
    """INSERT the sums of ``source`` grouped by ``keys`` as rows of ``model`` (streamed, in batches)."""
    groups = source.values(*keys).annotate(**{f"sum_{c}": Sum(c) for c in COUNTERS}).order_by()
    batch = []
    for row in groups.iterator(chunk_size=2000):
        batch.append(model(**{k: row[k] for k in keys}, **{c: int(row[f"sum_{c}"] or 0) for c in COUNTERS}))
        if len(batch) >= 2000:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


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
        month_range = {"month__gte": first_month, "month__lte": last_month}
        days_of_months = {"day__gte": first_month, "day__lte": _month_end(last_month)}
        AgencyDayStat.objects.filter(agency_q, day__gte=first, day__lte=last).delete()
        _insert_sums(AgencyDayStat, DailyStat.objects.filter(agency_q, day__gte=first, day__lte=last),
                     ("agency_id", "day"))
        MonthlyStat.objects.filter(agency_q, **month_range).delete()
        _insert_sums(MonthlyStat, DailyStat.objects.filter(agency_q, **days_of_months)
                     .annotate(month=TruncMonth("day")), ("agency_id", "procedure_id", "month"))
        AgencyMonthStat.objects.filter(agency_q, **month_range).delete()
        _insert_sums(AgencyMonthStat, AgencyDayStat.objects.filter(agency_q, **days_of_months)
                     .annotate(month=TruncMonth("day")), ("agency_id", "month"))
        # Every agency adds to a procedure's month: recount them from all the agencies' monthly rows.
        ProcedureMonthStat.objects.filter(**month_range).delete()
        _insert_sums(ProcedureMonthStat, MonthlyStat.objects.filter(**month_range), ("procedure_id", "month"))
        if _postgres():
            with connection.cursor() as cursor:  # fresh statistics, or the planner guesses after a bulk load
                for model in (DailyStat, MonthlyStat, AgencyDayStat, AgencyMonthStat, ProcedureMonthStat):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"days": (last - first).days + 1, "day_rows": day_rows}
