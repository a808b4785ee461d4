"""Counting over the dossiers themselves: the direct count, and the heart of each summary row.

``count(where, start, end)`` returns every counter of ``dashboard.models.COUNTERS`` for the dossiers (and
ratings) that ``where`` selects, each counter over its own event in [start, end): receipt, finish or rating
(see dashboard/models.py). A summary row is ``count`` for one (agency, procedure) and one local day; the
dashboard's direct count is ``count`` for a whole scope and period. The queries are the same; what the
property tests check is that the rows kept up to date by events add up to the direct count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from dossiers import deadlines
from dossiers.models import Attachment, Dossier, Pause
from ratings.models import Feedback, Rating, RatingLevel

from . import metrics
from .models import COUNTERS


@dataclass(frozen=True)
class Where:
    """Which dossiers: receiving agencies (None = all), and optionally one procedure or one field."""

    agency_ids: frozenset[int] | None = None
    procedure_id: int | None = None
    field_id: int | None = None

    def dossiers(self) -> Q:
        q = Q()
        if self.agency_ids is not None:
            q &= Q(receiving_agency_id__in=self.agency_ids)
        if self.procedure_id is not None:
            q &= Q(procedure_id=self.procedure_id)
        if self.field_id is not None:
            q &= Q(procedure__field_id=self.field_id)
        return q

    def ratings(self) -> Q:
        q = Q()
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        if self.procedure_id is not None:
            q &= Q(procedure_id=self.procedure_id)
        if self.field_id is not None:
            q &= Q(procedure__field_id=self.field_id)
        return q


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of ``first``, start of the day after ``last``) in local time (Asia/Ho_Chi_Minh)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


# ----- the three queries ------------------------------------------------------------------------------------

def _reused() -> Exists:
    return Exists(Attachment.objects.filter(dossier_id=OuterRef("pk"), reused=True))


def _disliked() -> Q:
    unhappy = Exists(Rating.objects.filter(dossier_id=OuterRef("pk"), level=RatingLevel.UNSATISFIED))
    complained = Exists(Feedback.objects.filter(dossier_id=OuterRef("pk")))
    return Q(unhappy) | Q(complained)


def received_aggregates() -> dict:
    from dossiers.models import Channel

    fee = Q(fee_due_vnd__gt=0)
    return {
        "received": Count("id"),
        "received_desk": Count("id", filter=Q(channel=Channel.DESK)),
        "received_online": Count("id", filter=Q(channel=Channel.ONLINE)),
        "received_postal": Count("id", filter=Q(channel=Channel.POSTAL)),
        "received_digitised": Count("id", filter=Q(is_digitised=True)),
        "received_reused": Count("id", filter=Q(_reused=True)),
        "received_fee_bearing": Count("id", filter=fee),
        "received_paid_online": Count("id", filter=fee & Q(paid_online=True)),
    }


def received_queryset(qs: QuerySet) -> QuerySet:
    return qs.annotate(_reused=_reused())


def finished_aggregates() -> dict:
    finished = metrics.q_finished()
    result = finished & Q(status__in=metrics.RESULT_STATUSES)
    e_result = result & ~Q(result_file="")
    return {
        "finished": Count("id", filter=finished),
        "finished_early": Count("id", filter=finished & metrics.q_early()),
        "finished_on_time": Count("id", filter=finished & metrics.q_on_time()),
        "finished_late": Count("id", filter=finished & metrics.q_late()),
        "finished_late_supplement": Count("id", filter=finished & Q(processing_supplement_count__gt=1)),
        "finished_with_result": Count("id", filter=result),
        "finished_e_result": Count("id", filter=e_result),
        "finished_digitised_e_result": Count("id", filter=e_result & Q(is_digitised=True)),
        "finished_disliked": Count("id", filter=finished & Q(_disliked=True)),
        "finished_timed": Count("id", filter=finished & Q(original_due_at__isnull=False)),
        "refused": Count("id", filter=metrics.q_refused()),
    }


def finished_queryset(qs: QuerySet) -> QuerySet:
    return qs.annotate(**metrics.finished_annotations(), _disliked=_disliked())


def rating_aggregates() -> dict:
    return {
        "rating_very_satisfied": Count("id", filter=Q(level=RatingLevel.VERY_SATISFIED)),
        "rating_satisfied": Count("id", filter=Q(level=RatingLevel.SATISFIED)),
        "rating_unsatisfied": Count("id", filter=Q(level=RatingLevel.UNSATISFIED)),
        "rating_criteria_count": Count("id", filter=Q(criteria_points__isnull=False)),
        "rating_criteria_points": Sum("criteria_points", default=0),
    }


# ----- processing time (Python: working time needs the calendar) ----------------------------------------------

DURATION_FIELDS = ("id", "receiving_agency_id", "procedure_id", "received_at", "completed_at", "original_due_at",
                   "time_limit", "time_unit")


class Calendars:
    """One working calendar per receiving agency, loaded once per run."""

    def __init__(self):
        self._by_agency: dict[int, object] = {}

    def load(self, agency_ids: Iterable[int]) -> None:
        from accounts.models import Agency

        missing = {a for a in agency_ids if a not in self._by_agency}
        if missing:
            for agency in Agency.objects.filter(pk__in=missing):
                self._by_agency[agency.pk] = deadlines.calendar_for(agency)

    def __getitem__(self, agency_id: int):
        return self._by_agency[agency_id]


@dataclass
class DurationSums:
    processing_seconds: int = 0
    processing_seconds_timed: int = 0
    allowed_seconds: int = 0

    def add(self, d: metrics.Durations) -> None:
        self.processing_seconds += d.processing
        if d.allowed is not None:
            self.processing_seconds_timed += d.processing
            self.allowed_seconds += d.allowed

    def counters(self) -> dict[str, int]:
        return {"processing_seconds": self.processing_seconds,
                "processing_seconds_timed": self.processing_seconds_timed,
                "allowed_seconds": self.allowed_seconds}


def durations_of(rows: list[dict], calendars: Calendars | None = None) -> Iterable[tuple[dict, metrics.Durations]]:
    """(row, durations) for finished received dossiers given as ``values(*DURATION_FIELDS)`` rows."""
    if not rows:
        return
    calendars = calendars or Calendars()
    calendars.load({r["receiving_agency_id"] for r in rows})
    pauses: dict[int, list[tuple]] = defaultdict(list)
    pause_rows = (Pause.objects.filter(dossier_id__in=[r["id"] for r in rows], at_reception=False)
                  .order_by().values_list("dossier_id", "started_at", "ended_at"))
    for dossier_id, started, ended in pause_rows:
        pauses[dossier_id].append((started, ended))
    for row in rows:
        yield row, metrics.durations(
            calendar=calendars[row["receiving_agency_id"]], received_at=row["received_at"],
            completed_at=row["completed_at"], original_due_at=row["original_due_at"],
            time_limit=row["time_limit"], time_unit=row["time_unit"], pauses=pauses.get(row["id"], []),
        )


# ----- the direct count ----------------------------------------------------------------------------------

def count(where: Where, start: dt.datetime, end: dt.datetime, *, with_durations: bool = True) -> dict[str, int]:
    """Every counter over the dossiers and ratings ``where`` selects, events in [start, end)."""
    base = Dossier.objects.filter(where.dossiers())
    received = received_queryset(base.filter(received_at__gte=start, received_at__lt=end)).aggregate(
        **received_aggregates())
    finished = finished_queryset(base.filter(completed_at__gte=start, completed_at__lt=end)).aggregate(
        **finished_aggregates())
    ratings = Rating.objects.filter(where.ratings(), created_at__gte=start, created_at__lt=end).aggregate(
        **rating_aggregates())
    sums = DurationSums()
    if with_durations:
        rows = list(base.filter(metrics.q_finished(), completed_at__gte=start, completed_at__lt=end)
                    .order_by().values(*DURATION_FIELDS))
        for _row, d in durations_of(rows):
            sums.add(d)
    counters = {**received, **finished, **ratings, **sums.counters()}
    return {name: int(counters.get(name) or 0) for name in COUNTERS}


def pending(where: Where, now: dt.datetime) -> dict[str, int]:
    """Received dossiers not finished yet, and how many of them are already late at ``now``.

    Depends on ``now``, so it is not in the summary table: it reads the (few) open dossiers by status.
    """
    result = Dossier.objects.filter(where.dossiers(), metrics.q_pending()).aggregate(
        pending=Count("id"), pending_overdue=Count("id", filter=metrics.q_overdue(now)))
    result["pending_within"] = result["pending"] - result["pending_overdue"]
    return result
