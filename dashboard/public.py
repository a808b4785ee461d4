"""The public transparency page (công khai): on-time rate and satisfaction per agency and per procedure.

Aggregates of the summary tables only — no dossier, no name, no number that points to a person. Cached
for a few minutes: it is public and the same for everyone.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache

from accounts.models import Agency
from procedures.models import Procedure

from .counting import Where
from .forms import PeriodFields
from .periods import Period
from .selectors import Numbers, rollup

CACHE_SECONDS = 300


class PublicPeriodForm(PeriodFields):
    @classmethod
    def for_period(cls, period: Period) -> PublicPeriodForm:
        return cls(initial=cls.period_initial(period))


def _line(label: str, numbers: Numbers, code: str = "") -> dict:
    return {"label": label, "code": code, "received": numbers.received, "finished": numbers.finished,
            "on_time": numbers.on_time, "on_time_rate": numbers.on_time_rate, "ratings": numbers.ratings,
            "satisfaction": numbers.satisfaction}


def transparency(period: Period) -> dict:
    key = f"dashboard:public:{period.kind}:{period.first}:{period.last}"
    data = cache.get(key)
    if data is None:
        data = _compute(period)
        cache.set(key, data, CACHE_SECONDS)
    return data


def _compute(period: Period) -> dict:
    rolled = rollup(Where(), period, covers_all=True)
    by_agency: dict[int, Numbers] = defaultdict(Numbers)
    by_procedure: dict[int, Numbers] = defaultdict(Numbers)
    total = Numbers()
    total.add(rolled.total)
    for agency_id, counts in rolled.by_agency.items():
        by_agency[agency_id].add(counts)
    for procedure_id, counts in rolled.by_procedure.items():
        by_procedure[procedure_id].add(counts)
    agencies = dict(Agency.objects.filter(pk__in=by_agency).values_list("pk", "name"))
    procedures = {p: (code, name) for p, code, name in
                  Procedure.objects.filter(pk__in=by_procedure).values_list("pk", "code", "name")}
    return {
        "total": _line("", total),
        "agencies": sorted((_line(agencies[a], n) for a, n in by_agency.items() if a in agencies),
                           key=lambda line: line["label"]),
        "procedures": sorted((_line(procedures[p][1], n, procedures[p][0]) for p, n in by_procedure.items()
                              if p in procedures), key=lambda line: (-line["received"], line["code"])),
    }
