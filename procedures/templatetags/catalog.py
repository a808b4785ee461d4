"""How the catalog shows time limits and money. "Chưa công bố" wherever the source published nothing."""

from decimal import Decimal

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from procedures.models import TimeUnit

register = template.Library()


def _number(value: Decimal | int) -> str:
    """8000 → "8.000" in Vietnamese, "8,000" in English; 0.5 → "0,5" / "0.5"."""
    return numberformat.format(
        Decimal(value).normalize(), get_format("DECIMAL_SEPARATOR"), grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"), force_grouping=True,
    )


@register.filter
def time_amount(value, unit=TimeUnit.WORKING_DAYS) -> str:
    if value is None:
        return _("Chưa công bố")
    if Decimal(value) == 0 and unit == TimeUnit.WORKING_DAYS:
        # DOMAIN "Time rules": same-day services; received from 15:00 on → next working day.
        return _("Trong ngày làm việc")
    return f"{_number(value)} {TimeUnit(unit).label}"


@register.filter
def case_time(case) -> str:
    """The time a citizen can expect: the agency's commitment when it has one, else the legal limit."""
    return time_amount(case.time_limit, case.time_unit)


@register.filter
def vnd(amount) -> str:
    if amount is None:
        return _("Chưa công bố")
    return _("%(amount)s đồng") % {"amount": _number(amount)}
