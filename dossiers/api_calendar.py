"""Public calendar API: appointment dates and working days, for clerks' tools and integrators.

Thin: parse the query, call dossiers.deadlines, render. Every bad input is a 400
``{"code": ..., "detail": "<Vietnamese>"}`` (config/api.py renders the DomainError).
"""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import DomainError
from accounts.models import Agency

from . import deadlines

# Dates outside this window are typing mistakes, and the holiday rules are not known for them.
MIN_YEAR, MAX_YEAR = 2000, 2100
# About three years in every unit, like the working-days range: enough for any legal limit.
MAX_LIMIT = {"working_days": Decimal(800), "working_hours": Decimal(800 * 8), "calendar_days": Decimal(1100)}
MAX_RANGE_YEARS = 3

# "2026-02-13T15:00:00+07:00" sent without URL-encoding the "+" arrives as "...15:00:00 07:00".
_SPACED_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}(?::?\d{2})?)$")


def _required(request, name: str) -> str:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        raise DomainError(_("Thiếu tham số “%(name)s”.") % {"name": name}, code="required")
    return value


def _check_year(value: date, name: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise DomainError(
            _("“%(name)s” phải nằm trong khoảng năm %(min)s–%(max)s.")
            % {"name": name, "min": MIN_YEAR, "max": MAX_YEAR},
            code="out_of_range",
        )


def parse_start(raw: str) -> datetime:
    """An ISO 8601 datetime (or a date: 00:00 that day); without an offset it is Vietnamese time."""
    match = _SPACED_OFFSET.match(raw)
    if match:
        raw = f"{match[1]}+{match[2]}"
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            raise DomainError(
                _("“start” không phải thời điểm hợp lệ. Dùng định dạng ISO 8601, ví dụ 2023-10-27T09:32."),
                code="invalid_start",
            )
        value = datetime.combine(day, time.min)
    _check_year(value, "start")
    return deadlines.localize(value)


def parse_day(raw: str, name: str) -> date:
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise DomainError(
            _("“%(name)s” không phải ngày hợp lệ. Dùng định dạng YYYY-MM-DD, ví dụ 2026-02-13.") % {"name": name},
            code="invalid_date",
        )
    _check_year(value, name)
    return value


def parse_limit(raw: str, unit: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError(_("“days” phải là một số, ví dụ 5 hoặc 0.5."), code="invalid_days")
    if value < 0:
        raise DomainError(_("“days” không được âm."), code="negative_days")
    if value > MAX_LIMIT[unit]:
        raise DomainError(
            _("“days” quá lớn: tối đa %(max)s đối với đơn vị này.") % {"max": MAX_LIMIT[unit]},
            code="days_too_large",
        )
    return value


def parse_unit(raw: str | None) -> str:
    unit = (raw or "working_days").strip()
    if unit not in deadlines.UNITS:
        raise DomainError(
            _("“unit” phải là một trong: %(units)s.") % {"units": ", ".join(deadlines.UNITS)}, code="invalid_unit"
        )
    return unit


def parse_agency(raw: str | None) -> Agency | None:
    code = (raw or "").strip()
    if not code:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise DomainError(_("Không tìm thấy cơ quan có mã “%(code)s”.") % {"code": code}, code="unknown_agency")
    return agency


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """5 stays 5 and 0.5 stays 0.5 in the JSON (not "5.00")."""

    def to_representation(self, value):
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)


class CalendarErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class CalendarDueSerializer(serializers.Serializer):
    start = serializers.DateTimeField(default_timezone=deadlines.VN_TZ, help_text="Thời điểm tiếp nhận (giờ Việt Nam).")
    days = NumberField(help_text="Thời hạn theo đơn vị `unit`; 0 = giải quyết trong ngày.")
    unit = serializers.ChoiceField(choices=deadlines.UNITS)
    due = serializers.DateTimeField(default_timezone=deadlines.VN_TZ, help_text="Thời điểm hẹn trả kết quả.")
    due_display = serializers.CharField(help_text="Ví dụ: Thứ Sáu, 03/11/2023 09:32")
    agency = serializers.CharField(allow_null=True, help_text="Mã định danh điện tử của cơ quan, hoặc null.")


class CalendarNonWorkingDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    weekday = serializers.CharField(help_text="Thứ Hai … Chủ Nhật")
    reason = serializers.CharField()


class CalendarWorkingDaysSerializer(serializers.Serializer):
    working_days = serializers.IntegerField()
    non_working_days = CalendarNonWorkingDaySerializer(many=True)

    def get_fields(self):
        # "from" is a Python keyword: declare the range fields here.
        fields = super().get_fields()
        return {"from": serializers.DateField(), "to": serializers.DateField(), **fields}


AGENCY_PARAMETER = OpenApiParameter(
    "agency", OpenApiTypes.STR, required=False,
    description="Mã định danh điện tử của cơ quan (giờ làm việc và ngày nghỉ riêng của cơ quan). "
                "Bỏ trống: lịch chung 07:00–11:30, 13:30–17:00.",
)


class DueView(APIView):
    """The appointment date (ngày hẹn trả) for a receipt at ``start`` with a limit of ``days``."""

    permission_classes = [AllowAny]
    authentication_classes = []  # public and read-only: no session, no CSRF, no credentials to reject

    @extend_schema(
        operation_id="calendar_due",
        summary="Tính ngày hẹn trả kết quả",
        description=(
            "N ngày làm việc = N × 8 giờ làm việc tính từ thời điểm tiếp nhận; tiếp nhận ngoài giờ thì tính từ "
            "lúc mở cửa kế tiếp; hạn rơi đúng giờ đóng cửa thì giữ nguyên ngày đó. `days=0` là thủ tục giải quyết "
            "trong ngày: tiếp nhận trước 15:00 thì hẹn 17:00 cùng ngày làm việc, từ 15:00 thì 17:00 ngày làm việc "
            "kế tiếp. Ngày nghỉ lễ, Tết, nghỉ bù và ngày làm bù theo lịch của hệ thống."
        ),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True,
                             description="Thời điểm tiếp nhận, ISO 8601 (không có múi giờ: giờ Việt Nam)."),
            OpenApiParameter("days", OpenApiTypes.NUMBER, required=True,
                             description="Thời hạn giải quyết theo đơn vị `unit` (≥ 0, cho phép số lẻ như 0.5; "
                                         "0 = giải quyết trong ngày)."),
            OpenApiParameter("unit", OpenApiTypes.STR, required=False, enum=list(deadlines.UNITS),
                             description="Đơn vị thời hạn; mặc định working_days."),
            AGENCY_PARAMETER,
        ],
        responses={200: CalendarDueSerializer, 400: CalendarErrorSerializer},
        examples=[
            OpenApiExample(
                "Ví dụ thực tế", response_only=True,
                value={"start": "2023-10-27T09:32:00+07:00", "days": 5, "unit": "working_days",
                       "due": "2023-11-03T09:32:00+07:00", "due_display": "Thứ Sáu, 03/11/2023 09:32",
                       "agency": None},
            )
        ],
        tags=["calendar"],
    )
    def get(self, request):
        start = parse_start(_required(request, "start"))
        unit = parse_unit(request.query_params.get("unit"))
        limit = parse_limit(_required(request, "days"), unit)
        agency = parse_agency(request.query_params.get("agency"))
        due = deadlines.due_at(start=start, limit=limit, unit=unit, agency=agency)
        data = {
            "start": start, "days": limit, "unit": unit, "due": due,
            "due_display": deadlines.format_vn(due), "agency": agency.code if agency else None,
        }
        return Response(CalendarDueSerializer(data).data)


class WorkingDaysView(APIView):
    """How many working days lie in [from, to], and which days are not working days, with the reason."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="calendar_working_days",
        summary="Đếm ngày làm việc trong một khoảng ngày",
        description="Tính cả hai đầu mút. Khoảng tối đa 3 năm. Liệt kê từng ngày nghỉ kèm lý do "
                    "(nghỉ cuối tuần, nghỉ lễ, Tết, nghỉ bù, ngày nghỉ do quản trị viên khai báo).",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="Ngày đầu (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Ngày cuối (YYYY-MM-DD)."),
            AGENCY_PARAMETER,
        ],
        responses={200: CalendarWorkingDaysSerializer, 400: CalendarErrorSerializer},
        tags=["calendar"],
    )
    def get(self, request):
        start = parse_day(_required(request, "from"), "from")
        end = parse_day(_required(request, "to"), "to")
        if start > end:
            raise DomainError(_("Ngày đầu (“from”) phải trước hoặc trùng ngày cuối (“to”)."), code="range_reversed")
        if end > _add_years(start, MAX_RANGE_YEARS):
            raise DomainError(
                _("Khoảng ngày tối đa %(years)s năm.") % {"years": MAX_RANGE_YEARS}, code="range_too_long"
            )
        agency = parse_agency(request.query_params.get("agency"))
        count, off = deadlines.working_days_between(start, end, agency=agency)
        data = {
            "from": start, "to": end, "working_days": count,
            "non_working_days": [{"date": d, "weekday": deadlines.weekday_vn(d), "reason": r} for d, r in off],
        }
        return Response(CalendarWorkingDaysSerializer(data).data)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
