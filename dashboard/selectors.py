"""The dashboard's reads: who sees what (scope), the numbers of a period from the summary tables, the same
numbers counted directly over the dossiers, the breakdowns and trends, and the list behind any number.

Every read is scoped: a leader sees their agency and the agencies below it (accounts/permissions.py); a
portal administrator with no agency sees everything. Dossiers count for the agency that received them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Agency, User
from accounts.permissions import scope_agency_ids
from accounts.roles import Role
from dossiers.models import Channel, Dossier
from procedures.models import Field, Procedure
from ratings.models import RatingLevel

from . import counting, metrics
from .models import COUNTERS, AgencyDayStat, AgencyMonthStat, DailyStat, MonthlyStat, ProcedureMonthStat
from .periods import Period

TWO_PLACES = Decimal("0.01")
DASHBOARD_ROLES = (Role.LEADER, Role.ADMIN)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with 2 decimals (Decision 766 display rule); None — shown N/A — when nothing to divide."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(TWO_PLACES, ROUND_HALF_UP)


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(TWO_PLACES, ROUND_HALF_UP)


# ----- scope ------------------------------------------------------------------------------------------------

def may_view_dashboard(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(*DASHBOARD_ROLES)))


def _covers_all(agency: Agency | None, ids) -> bool:
    return agency is not None and agency.parent_id is None and len(ids) == Agency.objects.count()


@dataclass(frozen=True)
class Scope:
    """What one user looks at: a top agency (None: the whole portal) and the agency ids below it."""

    user: User
    agency: Agency | None
    agency_ids: frozenset[int] | None  # None: every agency
    covers_all: bool = False  # the scope holds every agency (the province's own scope): cheaper rollups apply

    @classmethod
    def of(cls, user: User, agency_id: int | str | None = None) -> Scope:
        """The user's scope, narrowed to ``agency_id`` (an agency inside it) when given.

        PermissionDenied for anyone who is not a leader or an administrator, and for an agency outside
        the user's scope — the same answer whether or not that agency exists.
        """
        if not may_view_dashboard(user):
            raise PermissionDenied(_("Trang thống kê dành cho lãnh đạo và quản trị hệ thống."))
        allowed = scope_agency_ids(user)
        if agency_id not in (None, ""):
            try:
                agency_id = int(agency_id)
            except (TypeError, ValueError):
                raise Http404(_("Không tìm thấy cơ quan.")) from None
            if allowed is not None and agency_id not in allowed:
                raise PermissionDenied(_("Cơ quan này không thuộc phạm vi quản lý của bạn."))
            agency = Agency.objects.filter(pk=agency_id).first()
            if agency is None:
                raise Http404(_("Không tìm thấy cơ quan."))
            from accounts.permissions import agency_subtree_ids

            ids = frozenset(agency_subtree_ids(agency.pk))
            return cls(user, agency, ids, _covers_all(agency, ids))
        if allowed is None:
            return cls(user, None, None, True)
        agency = Agency.objects.filter(pk=user.agency_id).first() if user.agency_id else None
        return cls(user, agency, frozenset(allowed), _covers_all(agency, allowed))

    def where(self, *, procedure_id: int | None = None, field_id: int | None = None) -> counting.Where:
        # The whole portal needs no agency condition (a hundred ids tested on every row cost real time).
        agency_ids = None if self.covers_all else self.agency_ids
        return counting.Where(agency_ids=agency_ids, procedure_id=procedure_id, field_id=field_id)

    def agencies(self) -> list[Agency]:
        qs = Agency.objects.order_by("code")
        return list(qs if self.agency_ids is None else qs.filter(pk__in=self.agency_ids))


@dataclass(frozen=True)
class Filters:
    """The optional narrowing of a dashboard: one procedure or one field."""

    procedure: Procedure | None = None
    field: Field | None = None

    @property
    def procedure_id(self):
        return self.procedure.pk if self.procedure else None

    @property
    def field_id(self):
        return self.field.pk if self.field else None

    @classmethod
    def from_params(cls, params) -> Filters:
        procedure = field_ = None
        code = (params.get("procedure") or "").strip()
        if code:
            procedure = Procedure.objects.filter(code=code).first()
            if procedure is None:
                raise Http404(_("Không tìm thấy thủ tục."))
        field_code = (params.get("field") or "").strip()
        if field_code:
            field_ = Field.objects.filter(code=field_code).first()
            if field_ is None:
                raise Http404(_("Không tìm thấy lĩnh vực."))
        return cls(procedure, field_)

    def params(self) -> dict[str, str]:
        result = {}
        if self.procedure:
            result["procedure"] = self.procedure.code
        if self.field:
            result["field"] = self.field.code
        return result


# ----- numbers ----------------------------------------------------------------------------------------------

def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def empty_pending() -> dict[str, int]:
    return {"pending": 0, "pending_overdue": 0, "pending_within": 0}


@dataclass
class Numbers:
    """The counters of a period and the open dossiers now, with the rates the dashboard shows."""

    counts: dict[str, int] = field(default_factory=empty_counts)
    pending: dict[str, int] = field(default_factory=empty_pending)

    def add(self, counts: dict[str, int]) -> None:
        for name in COUNTERS:
            self.counts[name] += counts.get(name) or 0

    def add_pending(self, pending: dict[str, int]) -> None:
        for name in self.pending:
            self.pending[name] += pending.get(name) or 0

    def __getattr__(self, name):  # numbers.received, numbers.finished_late … in templates
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        pending = self.__dict__.get("pending", {})
        if name in pending:
            return pending[name]
        raise AttributeError(name)

    @property
    def on_time(self) -> int:
        return self.counts["finished_early"] + self.counts["finished_on_time"]

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.counts["finished"])

    @property
    def early_rate(self) -> Decimal | None:
        return rate(self.counts["finished_early"], self.counts["finished"])

    @property
    def late_rate(self) -> Decimal | None:
        return rate(self.counts["finished_late"], self.counts["finished"])

    @property
    def online_share(self) -> Decimal | None:
        return rate(self.counts["received_online"], self.counts["received"])

    @property
    def online_payment_share(self) -> Decimal | None:
        return rate(self.counts["received_paid_online"], self.counts["received_fee_bearing"])

    @property
    def digitisation_share(self) -> Decimal | None:
        return rate(self.counts["received_digitised"], self.counts["received"])

    @property
    def ratings(self) -> int:
        c = self.counts
        return c["rating_very_satisfied"] + c["rating_satisfied"] + c["rating_unsatisfied"]

    @property
    def satisfaction(self) -> Decimal | None:
        c = self.counts
        return rate(c["rating_very_satisfied"] + c["rating_satisfied"], self.ratings)

    @property
    def criteria_average(self) -> Decimal | None:
        """Average of the 9-criterion evaluation, out of 18 points."""
        return ratio(self.counts["rating_criteria_points"], self.counts["rating_criteria_count"])

    @property
    def average_processing_days(self) -> Decimal | None:
        """Working days (8 hours) from receipt to finish, the citizen's supplement time left out."""
        return ratio(Decimal(self.counts["processing_seconds"]) / metrics.WORKING_DAY_SECONDS, self.counts["finished"])

    @property
    def average_allowed_days(self) -> Decimal | None:
        """Working days the appointments allowed, over the finished dossiers that had a time limit."""
        return ratio(Decimal(self.counts["allowed_seconds"]) / metrics.WORKING_DAY_SECONDS,
                     self.counts["finished_timed"])

    @property
    def time_used_rate(self) -> Decimal | None:
        """Processing time as a share of the time allowed (same dossiers): under 100 % is faster than the law."""
        return rate(self.counts["processing_seconds_timed"], self.counts["allowed_seconds"])

    @property
    def pending_overdue_rate(self) -> Decimal | None:
        return rate(self.pending["pending_overdue"], self.pending["pending"])


def _sums() -> dict:
    return {name: Sum(name) for name in COUNTERS}


def _scope_q(where: counting.Where) -> Q:
    """The summary rows of ``where`` (ratings and dossiers share the row's agency and procedure)."""
    scope = Q()
    if where.agency_ids is not None:
        scope &= Q(agency_id__in=where.agency_ids)
    if where.procedure_id is not None:
        scope &= Q(procedure_id=where.procedure_id)
    if where.field_id is not None:
        scope &= Q(procedure__field_id=where.field_id)
    return scope


def _summary_querysets(where: counting.Where, period: Period) -> list[QuerySet]:
    """The summary rows covering ``period``: whole months from MonthlyStat, the days left over from DailyStat."""
    months, day_ranges = period.split()
    scope = _scope_q(where)
    querysets = []
    if months:
        querysets.append(MonthlyStat.objects.filter(scope, month__gte=months[0], month__lte=months[1]))
    if day_ranges:
        days = Q()
        for first, last in day_ranges:
            days |= Q(day__gte=first, day__lte=last)
        querysets.append(DailyStat.objects.filter(scope, days))
    return querysets


@dataclass
class Rollup:
    """The period's counters from the summary tables, rolled up by agency, procedure and field in the database."""

    by_agency: dict[int, dict[str, int]]
    by_procedure: dict[int, dict[str, int]]
    by_field: dict[int, dict[str, int]] | None  # None: add up by_procedure by each procedure's field

    @property
    def total(self) -> dict[str, int]:
        total = empty_counts()
        for counts in self.by_agency.values():
            for name, value in counts.items():
                total[name] += value
        return total


def _sum_rows(qs, key: str) -> dict:
    result: dict = {}
    for row in qs.values(key).annotate(**_sums()).order_by():
        target = result.setdefault(row.pop(key), empty_counts())
        for name, value in row.items():
            target[name] += int(value or 0)
    return result


def _merge(into: dict, more: dict) -> dict:
    for key, counts in more.items():
        target = into.setdefault(key, empty_counts())
        for name, value in counts.items():
            target[name] += value
    return into


def _agency_q(where: counting.Where) -> Q:
    return Q(agency_id__in=where.agency_ids) if where.agency_ids is not None else Q()


def _days_q(day_ranges) -> Q:
    days = Q()
    for first, last in day_ranges:
        days |= Q(day__gte=first, day__lte=last)
    return days


def rollup(where: counting.Where, period: Period, *, covers_all: bool = False) -> Rollup:
    """The period's counters by agency, by procedure and by field.

    Without a procedure or field filter this reads the rollup tables — agencies × months for the agencies,
    procedures × months for the procedures when the scope is every agency — instead of agencies ×
    procedures × months rows. With a filter, the (agency, procedure) rows, grouped in the database.
    """
    if where.procedure_id is not None or where.field_id is not None:
        return _rollup_by_pairs(where, period)
    months, day_ranges = period.split()
    agencies, procedures = {}, {}
    if months:
        month_q = Q(month__gte=months[0], month__lte=months[1])
        _merge(agencies, _sum_rows(AgencyMonthStat.objects.filter(_agency_q(where), month_q), "agency_id"))
        source = (ProcedureMonthStat.objects.filter(month_q) if covers_all
                  else MonthlyStat.objects.filter(_agency_q(where), month_q))
        _merge(procedures, _sum_rows(source, "procedure_id"))
    if day_ranges:
        _merge(agencies, _sum_rows(AgencyDayStat.objects.filter(_agency_q(where), _days_q(day_ranges)), "agency_id"))
        _merge(procedures, _sum_rows(DailyStat.objects.filter(_agency_q(where), _days_q(day_ranges)),
                                     "procedure_id"))
    return Rollup(agencies, procedures, None)  # fields: from the procedures, by whoever knows their field


def _rollup_by_pairs(where: counting.Where, period: Period) -> Rollup:
    """One scan of the summary rows of ``period``, grouped three ways (agency, procedure, field).

    The grouping happens in SQL so that what reaches Python is a few hundred rows, not one per (agency,
    procedure) pair — converting thousands of rows of 28 sums in Python costs more than the query. The
    inner selects are Django's own (``sql_with_params``: every value a parameter); the outer statement only
    names our tables and columns, quoted by the backend. Plain SQL that SQLite and PostgreSQL both run.
    """
    from django.db import connection

    quote = connection.ops.quote_name
    parts, params = [], []
    for qs in _summary_querysets(where, period):
        sql, part_params = qs.values("agency_id", "procedure_id", *COUNTERS).order_by().query.sql_with_params()
        parts.append(sql)
        params.extend(part_params)
    if not parts:
        return Rollup({}, {}, {})
    procedure_table = quote(Procedure._meta.db_table)
    sums = ", ".join(f"SUM(r.{quote(c)}) AS {quote(c)}" for c in COUNTERS)
    resums = ", ".join(f"SUM(b.{quote(c)})" for c in COUNTERS)
    union = " UNION ALL ".join(f"SELECT * FROM ({part}) AS part{i}" for i, part in enumerate(parts))
    sql = (
        f"WITH r AS ({union}), "
        f"b AS (SELECT r.{quote('agency_id')} AS agency_id, r.{quote('procedure_id')} AS procedure_id, "
        f"p.{quote('field_id')} AS field_id, {sums} FROM r JOIN {procedure_table} p "
        f"ON p.{quote('id')} = r.{quote('procedure_id')} GROUP BY 1, 2, 3) "
        f"SELECT 'a', b.agency_id, {resums} FROM b GROUP BY b.agency_id "
        f"UNION ALL SELECT 'p', b.procedure_id, {resums} FROM b GROUP BY b.procedure_id "
        f"UNION ALL SELECT 'f', b.field_id, {resums} FROM b GROUP BY b.field_id"
    )
    result = Rollup({}, {}, {})
    target = {"a": result.by_agency, "p": result.by_procedure, "f": result.by_field}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, key, *values in cursor.fetchall():
            target[kind][key] = {name: int(value or 0) for name, value in zip(COUNTERS, values, strict=True)}
    return result


def summary_totals(where: counting.Where, period: Period) -> dict[str, int]:
    """The period's counters for the whole of ``where`` (one row per summary table read)."""
    total = empty_counts()
    querysets = _summary_querysets(where, period)
    if where.procedure_id is None and where.field_id is None:
        months, day_ranges = period.split()
        querysets = []
        if months:
            querysets.append(AgencyMonthStat.objects.filter(_agency_q(where), month__gte=months[0],
                                                            month__lte=months[1]))
        if day_ranges:
            querysets.append(AgencyDayStat.objects.filter(_agency_q(where), _days_q(day_ranges)))
    for qs in querysets:
        for name, value in qs.aggregate(**_sums()).items():
            total[name] += int(value or 0)
    return total


def pending_rows(where: counting.Where, now: dt.datetime) -> dict[tuple[int, int], tuple[int, int]]:
    """(agency id, procedure id) → (pending, overdue) now (reads only the open dossiers)."""
    qs = (Dossier.objects.filter(where.dossiers(), metrics.q_pending())
          .values_list("receiving_agency_id", "procedure_id")
          .annotate(pending=Count("id"), pending_overdue=Count("id", filter=metrics.q_overdue(now))).order_by())
    return {(agency_id, procedure_id): (pending, overdue) for agency_id, procedure_id, pending, overdue in qs}


def _pending_by(open_rows, key) -> dict:
    """Add up (pending, overdue) pairs by ``key(agency_id, procedure_id)``, as the Numbers' pending dict."""
    sums: dict = {}
    for (agency_id, procedure_id), (pending, overdue) in open_rows.items():
        k = key(agency_id, procedure_id)
        found = sums.get(k)
        sums[k] = (pending, overdue) if found is None else (found[0] + pending, found[1] + overdue)
    return {k: {"pending": p, "pending_overdue": o, "pending_within": p - o} for k, (p, o) in sums.items()}


def dashboard_numbers(scope: Scope, period: Period, *, filters: Filters | None = None,
                      now: dt.datetime | None = None) -> Numbers:
    """The period's numbers from the summary tables (and the open dossiers now)."""
    filters = filters or Filters()
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    numbers = Numbers()
    numbers.add(summary_totals(where, period))
    numbers.add_pending(counting.pending(where, now or timezone.now()))
    return numbers


def direct_numbers(scope: Scope, period: Period, *, filters: Filters | None = None,
                   now: dt.datetime | None = None, with_durations: bool = True) -> Numbers:
    """The same numbers counted over the dossiers themselves (no summary table): the reference."""
    filters = filters or Filters()
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    start, end = counting.day_bounds(period.first, period.last)
    numbers = Numbers()
    numbers.add(counting.count(where, start, end, with_durations=with_durations))
    numbers.add_pending(counting.pending(where, now or timezone.now()))
    return numbers


# ----- the whole report: totals, breakdowns, trend ------------------------------------------------------------

@dataclass
class Line:
    """One line of a breakdown table."""

    key: str
    label: str
    numbers: Numbers
    params: dict[str, str] = field(default_factory=dict)  # narrows the dashboard to this line
    code: str = ""


@dataclass
class Report:
    scope: Scope
    period: Period
    filters: Filters
    now: dt.datetime
    totals: Numbers
    by_agency: list[Line]
    by_field: list[Line]
    by_procedure: list[Line]
    trend: list[tuple[str, dict[str, int]]]


def _top_agency_of(agencies: dict[int, dict], scope: Scope) -> dict[int, int]:
    """agency id → the agency its numbers roll up to: the scope's agency itself, or its child above it."""
    top = scope.agency.pk if scope.agency else None
    result = {}
    for agency_id in agencies:
        current, child = agency_id, agency_id
        for _step in range(10):  # the tree is shallow; never loop on bad data
            parent = agencies.get(current, {}).get("parent_id")
            if current == top or parent is None:
                break
            child, current = current, parent
        result[agency_id] = agency_id if agency_id == top else (child if current == top else current)
    return result


def trend(where: counting.Where, period: Period) -> list[tuple[str, dict[str, int]]]:
    """Counters per day (a month, a short range) or per month, every bucket present (zeros included)."""
    buckets: dict[dt.date, dict[str, int]] = {b: empty_counts() for b in period.buckets()}
    unfiltered = where.procedure_id is None and where.field_id is None
    day_model = AgencyDayStat if unfiltered else DailyStat
    scope_q = _agency_q(where) if unfiltered else _scope_q(where)
    if period.trend_by_day():
        querysets = [day_model.objects.filter(scope_q, day__gte=period.first, day__lte=period.last)
                     .values(bucket=F("day"))]
    else:
        months, day_ranges = period.split()
        month_model = AgencyMonthStat if unfiltered else MonthlyStat
        querysets = []
        if months:
            querysets.append(month_model.objects.filter(scope_q, month__gte=months[0], month__lte=months[1])
                             .values(bucket=F("month")))
        if day_ranges:
            querysets.append(day_model.objects.filter(scope_q, _days_q(day_ranges)).values(bucket=TruncMonth("day")))
    for qs in querysets:
        for row in qs.annotate(**_sums()).order_by():
            bucket = row.pop("bucket")
            target = buckets.setdefault(bucket, empty_counts())
            for name, value in row.items():
                target[name] += int(value or 0)
    return [(period.bucket_label(b), buckets[b]) for b in sorted(buckets)]


def report(scope: Scope, period: Period, *, filters: Filters | None = None, now: dt.datetime | None = None) -> Report:
    """Everything the dashboard page, its exports and the API show, in a handful of queries."""
    filters = filters or Filters()
    now = now or timezone.now()
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    rolled = rollup(where, period, covers_all=scope.covers_all)
    open_rows = pending_rows(where, now)
    agencies = {a["id"]: a for a in (Agency.objects.filter(pk__in=scope.agency_ids) if scope.agency_ids is not None
                                     else Agency.objects.all()).values("id", "parent_id", "name", "code")}
    procedure_ids = set(rolled.by_procedure) | {p for _a, p in open_rows}
    procedures = {p["id"]: p for p in Procedure.objects.filter(pk__in=procedure_ids)
                  .values("id", "code", "name", "field_id", "field__code", "field__name")}

    totals = Numbers()
    totals.add(rolled.total)
    top_of = _top_agency_of(agencies, scope)
    by_agency: dict[int, Numbers] = defaultdict(Numbers)
    by_field: dict[int, Numbers] = defaultdict(Numbers)
    by_procedure: dict[int, Numbers] = defaultdict(Numbers)
    for agency_id, counts in rolled.by_agency.items():
        by_agency[top_of.get(agency_id, agency_id)].add(counts)
    if rolled.by_field is not None:
        for field_id, counts in rolled.by_field.items():
            by_field[field_id].add(counts)
    else:
        for procedure_id, counts in rolled.by_procedure.items():
            by_field[procedures[procedure_id]["field_id"]].add(counts)
    for procedure_id, counts in rolled.by_procedure.items():
        by_procedure[procedure_id].add(counts)
    for target, key in ((by_agency, lambda a, p: top_of.get(a, a)), (by_procedure, lambda a, p: p),
                        (by_field, lambda a, p: procedures[p]["field_id"])):
        for k, pending in _pending_by(open_rows, key).items():
            target[k].add_pending(pending)
    for pending in _pending_by(open_rows, lambda a, p: None).values():
        totals.add_pending(pending)

    agency_lines = [
        Line(key=str(a), label=agencies[a]["name"] if a in agencies else str(a), numbers=n,
             params={"agency": str(a)}, code=agencies.get(a, {}).get("code", ""))
        for a, n in by_agency.items()
    ]
    agency_lines.sort(key=lambda line: (line.key != str(scope.agency.pk if scope.agency else ""), line.code))
    fields = {p["field_id"]: (p["field__code"], p["field__name"]) for p in procedures.values()}
    field_lines = sorted(
        (Line(key=fields[f][0], label=fields[f][1], numbers=n, params={"field": fields[f][0]}) for f, n in
         by_field.items() if f in fields), key=lambda line: line.label)
    procedure_lines = sorted(
        (Line(key=procedures[p]["code"], label=procedures[p]["name"], numbers=n,
              params={"procedure": procedures[p]["code"]}, code=procedures[p]["code"])
         for p, n in by_procedure.items() if p in procedures), key=lambda line: (-line.numbers.received, line.code))
    return Report(scope=scope, period=period, filters=filters, now=now, totals=totals, by_agency=agency_lines,
                  by_field=field_lines, by_procedure=procedure_lines, trend=trend(where, period))


# ----- the list behind a number ------------------------------------------------------------------------------

METRICS = {
    # name: (label, which dossiers)
    "received": gettext_lazy("Hồ sơ tiếp nhận"),
    "received_desk": gettext_lazy("Tiếp nhận trực tiếp"),
    "received_online": gettext_lazy("Tiếp nhận trực tuyến"),
    "received_postal": gettext_lazy("Tiếp nhận qua bưu chính công ích"),
    "received_digitised": gettext_lazy("Hồ sơ đã số hóa"),
    "received_paid_online": gettext_lazy("Hồ sơ thanh toán trực tuyến"),
    "finished": gettext_lazy("Hồ sơ đã giải quyết"),
    "finished_early": gettext_lazy("Giải quyết trước hạn"),
    "finished_on_time": gettext_lazy("Giải quyết đúng hạn"),
    "finished_late": gettext_lazy("Giải quyết quá hạn"),
    "refused": gettext_lazy("Từ chối tiếp nhận"),
    "pending": gettext_lazy("Đang giải quyết"),
    "pending_within": gettext_lazy("Đang giải quyết trong hạn"),
    "pending_overdue": gettext_lazy("Đang giải quyết quá hạn"),
    "rating_very_satisfied": gettext_lazy("Đánh giá rất hài lòng"),
    "rating_satisfied": gettext_lazy("Đánh giá hài lòng"),
    "rating_unsatisfied": gettext_lazy("Đánh giá không hài lòng"),
}

_RATING_LEVEL = {"rating_very_satisfied": RatingLevel.VERY_SATISFIED, "rating_satisfied": RatingLevel.SATISFIED,
                 "rating_unsatisfied": RatingLevel.UNSATISFIED}
_CHANNEL = {"received_desk": Channel.DESK, "received_online": Channel.ONLINE, "received_postal": Channel.POSTAL}


def drilldown(scope: Scope, period: Period, metric: str, *, filters: Filters | None = None,
              now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """The dossiers behind one number of the dashboard — the same conditions that counted them."""
    if metric not in METRICS:
        raise Http404(_("Chỉ tiêu không tồn tại."))
    filters = filters or Filters()
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    start, end = counting.day_bounds(period.first, period.last)
    qs = Dossier.objects.filter(where.dossiers())
    if metric.startswith("received"):
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
        if metric in _CHANNEL:
            qs = qs.filter(channel=_CHANNEL[metric])
        elif metric == "received_digitised":
            qs = qs.filter(is_digitised=True)
        elif metric == "received_paid_online":
            qs = qs.filter(fee_due_vnd__gt=0, paid_online=True)
    elif metric.startswith("finished") or metric == "refused":
        qs = qs.filter(completed_at__gte=start, completed_at__lt=end)
        if metric == "refused":
            qs = qs.filter(metrics.q_refused())
        else:
            qs = qs.annotate(**metrics.finished_annotations()).filter(metrics.q_finished())
            condition = {"finished_early": metrics.q_early(), "finished_on_time": metrics.q_on_time(),
                         "finished_late": metrics.q_late()}.get(metric)
            if condition is not None:
                qs = qs.filter(condition)
    elif metric.startswith("pending"):
        qs = qs.filter(metrics.q_pending())
        now = now or timezone.now()
        if metric == "pending_overdue":
            qs = qs.filter(metrics.q_overdue(now))
        elif metric == "pending_within":
            qs = qs.exclude(metrics.q_overdue(now))
    else:
        qs = Dossier.objects.filter(rating__level=_RATING_LEVEL[metric], rating__created_at__gte=start,
                                    rating__created_at__lt=end).filter(
            Q(rating__agency_id__in=scope.agency_ids) if scope.agency_ids is not None else Q())
        if filters.procedure_id:
            qs = qs.filter(procedure_id=filters.procedure_id)
        if filters.field_id:
            qs = qs.filter(procedure__field_id=filters.field_id)
    return qs.select_related("procedure", "receiving_agency", "current_agency").order_by("-received_at", "-id")
