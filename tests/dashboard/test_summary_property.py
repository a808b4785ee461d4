"""The summary table equals a direct count over the dossiers, on random histories.

Hypothesis draws a few dossiers, each with a random life — received at a random moment, supplement
requests, apologies, results, returns, stops, withdrawals, refusals, ratings — at random later moments,
and plays every step through the real services (the workflow, its after-commit signal, the summary's
refresh). Then, for several periods and scopes, the numbers read from the summary tables must equal the
numbers counted directly from the dossiers; and a full rebuild must give back exactly the same rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import selectors, summary
from dashboard.models import AgencyDayStat, AgencyMonthStat, DailyStat, MonthlyStat, ProcedureMonthStat
from dashboard.periods import Period
from dossiers.models import Dossier, Status
from ratings import services as rating_services

from .conftest import at

BASE = at(2026, 1, 26, 6, 0)
NOW = at(2026, 5, 4, 10, 0)

minutes = st.integers(min_value=0, max_value=60 * 24 * 70)  # when it arrives: within ten weeks of BASE
gap = st.integers(min_value=1, max_value=60 * 24 * 9)  # between two steps: a minute to nine days

STEPS = ("assign", "supplement", "supplement", "extend", "finish", "finish", "return", "rate", "stop",
         "withdraw", "feedback")

life_plan = st.fixed_dictionaries({
    "commune": st.sampled_from(["a", "b"]),
    "procedure": st.sampled_from(["birth", "land", "same_day"]),
    "channel": st.sampled_from(["desk", "postal"]),
    "arrives": minutes,
    "refused": st.sampled_from([False, False, False, True]),  # one in four refused at the desk
    "steps": st.lists(st.tuples(st.sampled_from(STEPS), gap), max_size=7),
    "level": st.sampled_from([0, 1, 2]),
})


def play(life, province, plan) -> None:
    commune = getattr(province, plan["commune"])
    procedure = getattr(province, plan["procedure"])
    when = BASE + dt.timedelta(minutes=plan["arrives"])
    dossier = life.intake(commune, procedure, when, channel=plan["channel"])
    if plan["refused"]:
        life.do("refuse", dossier, commune, when + dt.timedelta(minutes=20))
        return
    with life.moment(when):
        from dossiers import services

        dossier = services.dossier_receive(dossier=dossier, by=commune.clerk)
    for step, minutes_later in plan["steps"]:
        when += dt.timedelta(minutes=minutes_later)
        dossier = Dossier.objects.get(pk=dossier.pk)
        status = dossier.status
        if step == "assign" and status in (Status.RECEIVED,):
            life.do("assign", dossier, commune, when)
        elif step == "supplement" and status in (Status.RECEIVED, Status.PROCESSING):
            life.do("request_supplement", dossier, commune, when)
            when += dt.timedelta(minutes=minutes_later)
            life.do("complete_supplement", dossier, commune, when)
        elif step == "supplement" and status == Status.SUPPLEMENT:
            life.do("complete_supplement", dossier, commune, when)
        elif step == "extend" and status in (Status.RECEIVED, Status.PROCESSING) and dossier.due_at:
            new_due = max(dossier.due_at, when) + dt.timedelta(days=3)
            life.do("extend", dossier, commune, when, new_due_at=new_due)
        elif step == "finish" and status in (Status.RECEIVED, Status.PROCESSING):
            life.finish(dossier, commune, when)
        elif step == "return" and status == Status.RESULT_READY:
            life.do("return_result", dossier, commune, when)
        elif step == "rate" and status == Status.RETURNED and not hasattr(dossier, "rating"):
            with life.moment(when):
                rating_services.rating_submit(dossier=dossier, level=plan["level"])
        elif step == "stop" and status in (Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT):
            life.do("stop", dossier, commune, when)
        elif step == "withdraw" and status in (Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT):
            life.do("withdraw", dossier, commune, when)
        elif step == "feedback" and status != Status.DRAFT:
            with life.moment(when):
                rating_services.feedback_submit(by=None, title="Chậm trả kết quả", content="Hồ sơ bị chậm.",
                                                sender_name="Người dân", sender_phone="0912000111", dossier=dossier)


def periods() -> list[Period]:
    return [Period.month(2026, 1), Period.month(2026, 2), Period.month(2026, 3), Period.month(2026, 4),
            Period.quarter(2026, 1), Period.year(2026), Period.range(dt.date(2026, 2, 10), dt.date(2026, 4, 3))]


TABLES = ((DailyStat, ("agency_id", "procedure_id", "day")), (MonthlyStat, ("agency_id", "procedure_id", "month")),
          (AgencyDayStat, ("agency_id", "day")), (AgencyMonthStat, ("agency_id", "month")),
          (ProcedureMonthStat, ("procedure_id", "month")))


def rows() -> dict:
    return {model.__name__: {tuple(getattr(r, k) for k in keys): r.counts() for r in model.objects.all()}
            for model, keys in TABLES}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(plans=st.lists(life_plan, min_size=1, max_size=5))
def test_summary_equals_direct_count_on_random_histories(province, life, plans):
    with transaction.atomic():
        for plan in plans:
            play(life, province, plan)
        scopes = [selectors.Scope.of(province.leader), selectors.Scope.of(province.a.leader),
                  selectors.Scope.of(province.b.leader)]
        for scope in scopes:
            for period in periods():
                kept = selectors.dashboard_numbers(scope, period, now=NOW)
                direct = selectors.direct_numbers(scope, period, now=NOW)
                assert kept.counts == direct.counts, (scope.agency, period.label)
                assert kept.pending == direct.pending
            by_field = selectors.Filters(field=province.birth.field)
            assert (selectors.dashboard_numbers(scope, Period.year(2026), filters=by_field, now=NOW).counts
                    == selectors.direct_numbers(scope, Period.year(2026), filters=by_field, now=NOW).counts)

        # Every breakdown of the page adds up to the direct count, by whichever rollup table it was read.
        for scope in scopes:
            for period in (Period.year(2026), Period.quarter(2026, 1), Period.range(dt.date(2026, 2, 10),
                                                                                      dt.date(2026, 4, 3))):
                report = selectors.report(scope, period, now=NOW)
                direct = selectors.direct_numbers(scope, period, now=NOW).counts
                assert report.totals.counts == direct
                for lines in (report.by_agency, report.by_procedure, report.by_field):
                    for name in ("received", "finished_late", "rating_unsatisfied", "processing_seconds"):
                        assert sum(line.numbers.counts[name] for line in lines) == direct[name]
                assert sum(sum(c.values()) for _label, c in report.trend) == sum(direct.values())

        # A full recount gives back the very same rows, in every table.
        kept = rows()
        summary.rebuild(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert rows() == kept
        transaction.set_rollback(True)  # the next example starts from an empty province again
