"""Statistics API (/api/v1/stats/…): the numbers of the dashboard, the same selectors, scoped the same way.

Query parameters as on the page: ``period`` (month | quarter | year | range), ``year``, ``month``,
``quarter``, ``start``/``end`` (ISO dates, for a range), ``agency`` (an id inside the caller's scope),
``field`` (a field code), ``procedure`` (a procedure code). Rates are percentages with 2 decimals, ``null``
when there is nothing to divide (the page shows N/A). Errors: ``{"code", "detail"}`` with 400/403/404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import index766, public, selectors, tables
from .periods import Period
from .selectors import Filters, Numbers, Scope

PARAMETERS = [
    OpenApiParameter("period", str, enum=["month", "quarter", "year", "range"],
                     description="Kỳ báo cáo (mặc định: tháng hiện tại)"),
    OpenApiParameter("year", int, description="Năm"),
    OpenApiParameter("month", int, description="Tháng (1–12), khi period=month"),
    OpenApiParameter("quarter", int, description="Quý (1–4), khi period=quarter"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="Ngày đầu, khi period=range"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Ngày cuối, khi period=range"),
    OpenApiParameter("agency", int, description="Một cơ quan trong phạm vi của người gọi (mặc định: cơ quan của mình)"),
    OpenApiParameter("field", str, description="Mã lĩnh vực"),
    OpenApiParameter("procedure", str, description="Mã thủ tục"),
]

RATES = ("on_time_rate", "early_rate", "late_rate", "online_share", "online_payment_share", "digitisation_share",
         "satisfaction", "criteria_average", "average_processing_days", "average_allowed_days", "time_used_rate",
         "pending_overdue_rate")


def numbers_json(numbers: Numbers) -> dict:
    return {"counts": numbers.counts, "pending": numbers.pending,
            "rates": {name: getattr(numbers, name) for name in RATES}}


def period_json(period: Period) -> dict:
    return {"kind": period.kind, "first": period.first, "last": period.last, "label": period.label}


class StatsAPI(APIView):
    """Base: parses the scope, the period and the filters, or answers 400/403/404."""

    def setup_stats(self, request):
        if not selectors.may_view_dashboard(request.user):
            raise PermissionDenied(_("Thống kê dành cho lãnh đạo và quản trị hệ thống."))
        params = request.query_params
        self.scope = Scope.of(request.user, params.get("agency"))
        self.period = Period.from_params(params)
        self.filters = Filters.from_params(params)

    def envelope(self, **data) -> dict:
        agency = self.scope.agency
        return {
            "scope": {"agency_id": agency.pk if agency else None, "agency_code": agency.code if agency else None,
                      "agency_name": agency.name if agency else None},
            "period": period_json(self.period),
            "filters": self.filters.params(),
            **data,
        }


class SummaryAPI(StatsAPI):
    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, summary="Số liệu tổng hợp của kỳ")
    def get(self, request):
        self.setup_stats(request)
        numbers = selectors.dashboard_numbers(self.scope, self.period, filters=self.filters)
        return Response(self.envelope(**numbers_json(numbers)))


class BreakdownAPI(StatsAPI):
    by = "agency"

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        self.setup_stats(request)
        report = selectors.report(self.scope, self.period, filters=self.filters)
        lines = {"agency": report.by_agency, "field": report.by_field, "procedure": report.by_procedure}[self.by]
        return Response(self.envelope(
            total=numbers_json(report.totals),
            lines=[{"key": line.key, "code": line.code, "name": line.label, **numbers_json(line.numbers)}
                   for line in lines],
        ))


class ByAgencyAPI(BreakdownAPI):
    by = "agency"


class ByFieldAPI(BreakdownAPI):
    by = "field"


class ByProcedureAPI(BreakdownAPI):
    by = "procedure"


class TrendAPI(StatsAPI):
    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, summary="Diễn biến theo ngày hoặc tháng")
    def get(self, request):
        self.setup_stats(request)
        where = self.scope.where(procedure_id=self.filters.procedure_id, field_id=self.filters.field_id)
        points = selectors.trend(where, self.period)
        return Response(self.envelope(
            by="day" if self.period.trend_by_day() else "month",
            points=[{"label": label, "counts": counts,
                     **{key: tables.trend_value(counts, key) for key, _l in tables.TREND_SERIES}}
                    for label, counts in points],
        ))


class IndexAPI(StatsAPI):
    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, summary="Chỉ số theo Quyết định 766/QĐ-TTg")
    def get(self, request):
        self.setup_stats(request)
        result = index766.compute(self.scope, self.period, filters=self.filters)
        return Response(self.envelope(
            score=result.score, measured_points=result.measured_points,
            groups=[{
                "code": g.code, "name": g.name, "max_points": g.max_points, "score": g.score,
                "measured_points": g.measured_points,
                "indicators": [{"code": i.code, "name": i.name, "formula": i.formula, "numerator": i.numerator,
                                "denominator": i.denominator, "rate": i.rate, "threshold": i.threshold,
                                "points": i.points, "score": i.score, "na_reason": i.na_reason or None}
                               for i in g.indicators],
            } for g in result.groups],
        ))


class PublicStatsAPI(APIView):
    """The transparency page's numbers: per agency and per procedure, aggregates only (no login)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=PARAMETERS[:6], responses=OpenApiTypes.OBJECT, summary="Số liệu công khai")
    def get(self, request):
        period = Period.from_params(request.query_params)
        return Response({"period": period_json(period), **public.transparency(period)})
