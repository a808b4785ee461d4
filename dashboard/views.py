"""The leaders' dashboard pages: thin — they read the period and filters, call the selectors, render.

Every page checks the role (leader or administrator) and the agency scope through ``selectors.Scope``;
the public transparency page shows only aggregates, never a person.
"""

from __future__ import annotations

from functools import wraps
from html import escape  # the standard library's: no lazy-string checks per cell
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.errors import DomainError

from . import exports, index766, public, selectors, tables
from .forms import DashboardFilterForm
from .periods import Period
from .selectors import Filters, Scope

DRILLDOWN_PAGE_SIZE = 50
CHART_AGENCIES = 15


class Request:
    """What every dashboard page reads from the query string."""

    def __init__(self, request):
        from django.contrib.auth.views import redirect_to_login

        self.redirect = None
        if not request.user.is_authenticated:
            self.redirect = redirect_to_login(request.get_full_path())
            return
        params = request.GET
        self.scope = Scope.of(request.user, params.get("agency"))
        self.period = Period.from_params(params)
        self.filters = Filters.from_params(params)

    def params(self, **extra) -> dict[str, str]:
        result = {**self.period.params(), **self.filters.params()}
        if self.scope.agency is not None and self.scope.agency.pk != self.scope.user.agency_id:
            result["agency"] = str(self.scope.agency.pk)
        result.update({k: v for k, v in extra.items() if v is not None})
        return result

    def url(self, name: str, **extra) -> str:
        return f"{reverse(name)}?{urlencode(self.params(**extra))}"


def _bad_request(request, error: DomainError):
    return render(request, "dashboard/error.html", {"message": error.message}, status=400)


def dashboard_page(view):
    """GET only; reads scope, period and filters once (login first, a clear 400 on bad parameters)."""

    @require_GET
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            req = Request(request)
        except DomainError as error:
            return _bad_request(request, error)
        if req.redirect:
            return req.redirect
        return view(request, req, *args, **kwargs)

    return wrapper


def _drill(req: Request, metric: str | None, line_params: dict | None = None) -> str | None:
    if not metric:
        return None
    params = req.params(metric=metric)
    params.update(line_params or {})
    return f"{reverse('dashboard:drilldown')}?{urlencode(params)}"


def _rows(req: Request, lines: list[selectors.Line], *, narrow: bool = True) -> list[dict]:
    """Table rows with their cells already as HTML: a province has a hundred agencies × 13 columns, and
    rendering each cell through the template engine (and reversing a URL per cell) was most of the page's time.
    """
    home, drill = reverse("dashboard:home"), reverse("dashboard:drilldown")
    fmt = tables.formatter()
    rows = []
    for line in lines:
        query = escape(urlencode({**req.params(), **line.params}))
        cells = []
        for col in tables.COLUMNS:
            value = col.value(line.numbers)
            text = escape(fmt(value, col.kind))
            if col.metric and value:
                cells.append(f'<td class="num"><a href="{drill}?{query}&amp;metric={col.metric}">{text}</a></td>')
            else:
                cells.append(f'<td class="num">{text}</td>')
        rows.append({"label": line.label, "code": line.code, "href": f"{home}?{query}" if narrow else None,
                     "cells_html": mark_safe("".join(cells))})
    return rows


def _figures(req: Request, numbers: selectors.Numbers) -> list[dict]:
    return [{"key": f.key, "label": f.label, "text": tables.fmt(f.value(numbers), f.kind),
             "href": _drill(req, f.metric) if f.metric else None} for f in tables.FIGURES]


def _trend(report: selectors.Report) -> dict:
    return {
        "labels": [label for label, _counts in report.trend],
        "series": [{"key": key, "label": str(label), "values": [tables.trend_value(c, key) for _l, c in report.trend]}
                   for key, label in tables.TREND_SERIES],
    }


@dashboard_page
def home(request, req: Request):
    report = selectors.report(req.scope, req.period, filters=req.filters)
    trend = _trend(report)
    # A province has a hundred communes: the chart shows those that need attention most (the full list is
    # the table "Theo cơ quan" below).
    rated = sorted((line for line in report.by_agency if line.numbers.on_time_rate is not None),
                   key=lambda line: (line.numbers.on_time_rate, line.code))[:CHART_AGENCIES]
    by_agency_chart = {"labels": [line.label for line in rated],
                       "values": [float(line.numbers.on_time_rate) for line in rated]}
    outcome_chart = {
        "labels": [str(_("Trước hạn")), str(_("Đúng hạn")), str(_("Quá hạn")), str(_("Đang giải quyết quá hạn"))],
        "values": [report.totals.finished_early, report.totals.finished_on_time, report.totals.finished_late,
                   report.totals.pending_overdue],
    }
    return render(request, "dashboard/home.html", {
        "req": req,
        "form": DashboardFilterForm.for_request(req),
        "report": report,
        "figures": _figures(req, report.totals),
        "columns": tables.COLUMNS,
        "agency_rows": _rows(req, report.by_agency),
        "field_rows": _rows(req, report.by_field),
        "procedure_rows": _rows(req, report.by_procedure),
        "trend": trend,
        "trend_rows": [{"label": label, "values": [tables.trend_value(c, key) for key, _l in tables.TREND_SERIES]}
                       for label, c in report.trend],
        "trend_series": tables.TREND_SERIES,
        "charts": {"trend": trend, "agencies": by_agency_chart, "outcomes": outcome_chart},
        "outcome_rows": [(label, tables.fmt(value, "int"))
                         for label, value in zip(outcome_chart["labels"], outcome_chart["values"], strict=True)],
        "agency_rate_rows": [(line.label, tables.fmt(line.numbers.on_time_rate, "pct")) for line in rated],
        "agency_chart_is_partial": len(rated) < len(report.by_agency),
        "exports": {"xlsx": req.url("dashboard:export-xlsx"), "csv": req.url("dashboard:export-csv"),
                    "pdf": req.url("dashboard:report-pdf"), "index": req.url("dashboard:index")},
    })


@dashboard_page
def drilldown(request, req: Request):
    metric = request.GET.get("metric", "")
    qs = selectors.drilldown(req.scope, req.period, metric, filters=req.filters)
    page = Paginator(qs, DRILLDOWN_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/drilldown.html", {
        "req": req, "metric_label": selectors.METRICS[metric], "page": page,
        "query": urlencode(req.params(metric=metric)), "back": req.url("dashboard:home"), "now": timezone.now(),
    })


@dashboard_page
def index(request, req: Request):
    result = index766.compute(req.scope, req.period, filters=req.filters)
    return render(request, "dashboard/index766.html", {
        "req": req, "form": DashboardFilterForm.for_request(req), "index": result,
        "back": req.url("dashboard:home"),
    })


def _export(request, req: Request, kind: str):
    report = selectors.report(req.scope, req.period, filters=req.filters)
    name = exports.filename(report, kind)
    if kind == "xlsx":
        body, content_type = exports.xlsx(report), exports.XLSX_TYPE
    elif kind == "csv":
        body, content_type = exports.csv_bytes(report), "text/csv; charset=utf-8"
    else:
        result = index766.compute(req.scope, req.period, filters=req.filters, numbers=report.totals)
        body, content_type = exports.pdf(report, result, by=request.user), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@dashboard_page
def export_xlsx(request, req: Request):
    return _export(request, req, "xlsx")


@dashboard_page
def export_csv(request, req: Request):
    return _export(request, req, "csv")


@dashboard_page
def report_pdf(request, req: Request):
    return _export(request, req, "pdf")


@require_GET
def transparency(request):
    """Công khai: on-time rate and satisfaction per agency and per procedure. Aggregates only."""
    try:
        period = Period.from_params(request.GET)
    except DomainError as error:
        return _bad_request(request, error)
    data = public.transparency(period)
    return render(request, "dashboard/public.html", {"period": period, "data": data,
                                                     "form": public.PublicPeriodForm.for_period(period)})
