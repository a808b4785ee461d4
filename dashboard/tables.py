"""The columns and headline figures of the dashboard, defined once for the page, the exports and the API.

An export lists exactly what the page shows because both read these specs off the same ``Report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .selectors import Numbers


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Numbers], int | Decimal | None]
    kind: str = "int"  # "int", "pct" (a percentage, 2 decimals) or "days" (working days, 2 decimals)
    metric: str | None = None  # the drill-down behind the number, when there is one list of dossiers


def _c(name):
    return lambda n: n.counts[name]


def _p(name):
    return lambda n: n.pending[name]


COLUMNS = (
    Column("received", _("Tiếp nhận"), _c("received"), metric="received"),
    Column("received_online", _("Trực tuyến"), _c("received_online"), metric="received_online"),
    Column("online_share", _("Tỷ lệ trực tuyến"), lambda n: n.online_share, "pct"),
    Column("finished", _("Đã giải quyết"), _c("finished"), metric="finished"),
    Column("finished_early", _("Trước hạn"), _c("finished_early"), metric="finished_early"),
    Column("finished_on_time", _("Đúng hạn"), _c("finished_on_time"), metric="finished_on_time"),
    Column("finished_late", _("Quá hạn"), _c("finished_late"), metric="finished_late"),
    Column("on_time_rate", _("Tỷ lệ đúng hạn"), lambda n: n.on_time_rate, "pct"),
    Column("pending_within", _("Đang giải quyết trong hạn"), _p("pending_within"), metric="pending_within"),
    Column("pending_overdue", _("Đang giải quyết quá hạn"), _p("pending_overdue"), metric="pending_overdue"),
    Column("average_processing_days", _("Thời gian giải quyết TB (ngày làm việc)"),
           lambda n: n.average_processing_days, "days"),
    Column("average_allowed_days", _("Thời hạn cho phép TB (ngày làm việc)"), lambda n: n.average_allowed_days,
           "days"),
    Column("satisfaction", _("Tỷ lệ hài lòng"), lambda n: n.satisfaction, "pct"),
)


@dataclass(frozen=True)
class Figure:
    """A headline figure: its value, what it is out of, and the list behind it."""

    key: str
    label: str
    value: Callable[[Numbers], int | Decimal | None]
    kind: str = "int"
    metric: str | None = None
    note: Callable[[Numbers], str] | None = None


FIGURES = (
    Figure("received", _("Hồ sơ tiếp nhận"), _c("received"), metric="received"),
    Figure("finished", _("Đã giải quyết"), _c("finished"), metric="finished"),
    Figure("finished_early", _("Trước hạn"), _c("finished_early"), metric="finished_early"),
    Figure("finished_on_time", _("Đúng hạn"), _c("finished_on_time"), metric="finished_on_time"),
    Figure("finished_late", _("Quá hạn"), _c("finished_late"), metric="finished_late"),
    Figure("on_time_rate", _("Tỷ lệ giải quyết đúng hạn"), lambda n: n.on_time_rate, "pct"),
    Figure("pending_within", _("Đang giải quyết trong hạn"), _p("pending_within"), metric="pending_within"),
    Figure("pending_overdue", _("Đang giải quyết quá hạn"), _p("pending_overdue"), metric="pending_overdue"),
    Figure("average_processing_days", _("Thời gian giải quyết trung bình (ngày làm việc)"),
           lambda n: n.average_processing_days, "days"),
    Figure("average_allowed_days", _("Thời hạn cho phép trung bình (ngày làm việc)"),
           lambda n: n.average_allowed_days, "days"),
    Figure("online_share", _("Tỷ lệ hồ sơ trực tuyến"), lambda n: n.online_share, "pct", metric="received_online"),
    Figure("online_payment_share", _("Tỷ lệ thanh toán trực tuyến"), lambda n: n.online_payment_share, "pct",
           metric="received_paid_online"),
    Figure("digitisation_share", _("Tỷ lệ số hóa hồ sơ"), lambda n: n.digitisation_share, "pct",
           metric="received_digitised"),
    Figure("satisfaction", _("Tỷ lệ hài lòng"), lambda n: n.satisfaction, "pct"),
    Figure("ratings", _("Lượt đánh giá"), lambda n: n.ratings),
    Figure("rating_unsatisfied", _("Không hài lòng"), _c("rating_unsatisfied"), metric="rating_unsatisfied"),
    Figure("refused", _("Từ chối tiếp nhận"), _c("refused"), metric="refused"),
)

TREND_SERIES = (
    ("received", _("Tiếp nhận")),
    ("on_time", _("Giải quyết trước hạn, đúng hạn")),
    ("finished_late", _("Giải quyết quá hạn")),
)


def trend_value(counts: dict[str, int], key: str) -> int:
    if key == "on_time":
        return counts["finished_early"] + counts["finished_on_time"]
    return counts[key]


def _separators() -> tuple[str, str]:
    """(decimal, thousands) of the active language, read once per language (number_format reads its settings
    on every call, and a province's page formats a few thousand numbers)."""
    language = get_language() or "vi"
    found = _SEPARATORS.get(language)
    if found is None:
        found = _SEPARATORS[language] = (get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR"))
    return found


_SEPARATORS: dict[str, tuple[str, str]] = {}


def formatter():
    """``fmt`` with the active language's separators bound once (for pages formatting thousands of numbers)."""
    decimal, thousands = _separators()

    def fmt_fast(value, kind: str) -> str:
        if value is None:
            return "N/A"
        text = f"{value:,}" if kind == "int" else f"{value:,.2f}"
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
        return f"{text} %" if kind == "pct" else text

    return fmt_fast


def fmt(value, kind: str) -> str:
    """A value as the page and the printed report show it, in the reader's language; N/A when a rate has
    nothing to divide (Decision 766 display rule)."""
    return formatter()(value, kind)
