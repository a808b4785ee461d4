"""Reporting periods: a month, a quarter, a year or a range of days, and how each reads the summary tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError

KINDS = {
    "month": gettext_lazy("Tháng"),
    "quarter": gettext_lazy("Quý"),
    "year": gettext_lazy("Năm"),
    "range": gettext_lazy("Khoảng ngày"),
}
MAX_RANGE_DAYS = 3 * 366
EARLIEST_YEAR = 2000


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date
    last: dt.date

    # ----- constructors --------------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls("month", first, month_end(first))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", first, month_end(add_months(first, 2)))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def range(cls, first: dt.date, last: dt.date) -> Period:
        if last < first:
            raise DomainError(_("Ngày kết thúc phải sau ngày bắt đầu."), code="invalid_period")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise DomainError(_("Khoảng thời gian tối đa là 3 năm."), code="invalid_period")
        return cls("range", first, last)

    @classmethod
    def from_params(cls, params, *, today: dt.date | None = None) -> Period:
        """From query parameters: ``period=month&year=2026&month=3`` (the default: this month),
        ``period=quarter&year=2026&quarter=1``, ``period=year&year=2026``, ``period=range&start=…&end=…``."""
        today = today or timezone.localdate()
        kind = params.get("period") or "month"
        if kind not in KINDS:
            raise DomainError(_("Kỳ báo cáo không hợp lệ."), code="invalid_period")

        def number(name, default, low, high):
            raw = params.get(name)
            if raw in (None, ""):
                return default
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = None
            if value is None or not low <= value <= high:
                raise DomainError(_("Giá trị “%(name)s” của kỳ báo cáo không hợp lệ.") % {"name": name},
                                  code="invalid_period")
            return value

        year = number("year", today.year, EARLIEST_YEAR, today.year + 1)
        if kind == "month":
            return cls.month(year, number("month", today.month, 1, 12))
        if kind == "quarter":
            return cls.quarter(year, number("quarter", (today.month - 1) // 3 + 1, 1, 4))
        if kind == "year":
            return cls.year(year)
        try:
            first = dt.date.fromisoformat(params.get("start") or "")
            last = dt.date.fromisoformat(params.get("end") or "")
        except ValueError:
            raise DomainError(_("Hãy nhập ngày bắt đầu và ngày kết thúc (dd/mm/yyyy)."), code="invalid_period") \
                from None
        return cls.range(first, last)

    # ----- what it is -----------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Tháng %(m)s/%(y)s") % {"m": f"{self.first.month:02d}", "y": self.first.year}
        if self.kind == "quarter":
            return _("Quý %(q)s/%(y)s") % {"q": (self.first.month - 1) // 3 + 1, "y": self.first.year}
        if self.kind == "year":
            return _("Năm %(y)s") % {"y": self.first.year}
        return _("Từ %(a)s đến %(b)s") % {"a": f"{self.first:%d/%m/%Y}", "b": f"{self.last:%d/%m/%Y}"}

    def params(self) -> dict[str, str]:
        """The query parameters that give this period back (links, exports, drill-downs)."""
        if self.kind == "month":
            return {"period": "month", "year": str(self.first.year), "month": str(self.first.month)}
        if self.kind == "quarter":
            return {"period": "quarter", "year": str(self.first.year),
                    "quarter": str((self.first.month - 1) // 3 + 1)}
        if self.kind == "year":
            return {"period": "year", "year": str(self.first.year)}
        return {"period": "range", "start": self.first.isoformat(), "end": self.last.isoformat()}

    def includes(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    # ----- how the summary tables cover it ----------------------------------------------------------------

    def split(self) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
        """(first and last whole month, or None; the day ranges left over at either end)."""
        first_full = self.first if self.first.day == 1 else add_months(self.first.replace(day=1), 1)
        last_full_end = self.last if self.last == month_end(self.last) else self.last.replace(day=1) - dt.timedelta(1)
        if first_full > last_full_end:
            return None, [(self.first, self.last)]
        months = (first_full, last_full_end.replace(day=1))
        days = []
        if self.first < first_full:
            days.append((self.first, first_full - dt.timedelta(days=1)))
        if last_full_end < self.last:
            days.append((last_full_end + dt.timedelta(days=1), self.last))
        return months, days

    def trend_by_day(self) -> bool:
        """A month or a short range is drawn day by day; longer periods month by month."""
        return (self.last - self.first).days <= 62

    def buckets(self, today: dt.date | None = None) -> list[dt.date]:
        """The days or first-of-months of the trend chart, in order — none after today (a period that has
        not ended is drawn up to now, not as a fall to zero)."""
        last = min(self.last, today or timezone.localdate())
        if self.trend_by_day():
            return [self.first + dt.timedelta(days=i) for i in range((last - self.first).days + 1)]
        months, cursor = [], self.first.replace(day=1)
        while cursor <= last:
            months.append(cursor)
            cursor = add_months(cursor, 1)
        return months

    def bucket_label(self, bucket: dt.date) -> str:
        return f"{bucket:%d/%m}" if self.trend_by_day() else f"{bucket:%m/%Y}"
