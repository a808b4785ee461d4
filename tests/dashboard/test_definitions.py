"""Early / on time / late at their boundaries, counted three ways that must agree: the summary table kept
by events, the direct count over the dossiers, and the drill-down list behind each number.

The appointment of a dossier received at 09:00 on Monday 02/03/2026 with 5 working days is 09:00 on
Monday 09/03/2026 (DOMAIN.md "Time rules": N × 8 working hours from the receipt).
"""

import datetime as dt

import pytest

from dashboard import selectors
from dashboard.counting import Where, count, day_bounds
from dashboard.periods import Period
from dossiers.models import Dossier

from .conftest import at

RECEIVED = at(2026, 3, 2, 9, 0)
DUE = at(2026, 3, 9, 9, 0)
MARCH = Period.month(2026, 3)


def numbers(province, *, now=None):
    """(summary numbers, direct numbers) for the province's leader over March 2026."""
    scope = selectors.Scope.of(province.leader)
    summary = selectors.dashboard_numbers(scope, MARCH, now=now)
    direct = selectors.direct_numbers(scope, MARCH, now=now)
    return summary, direct


def outcome_of(province, dossier):
    summary, direct = numbers(province)
    assert summary.counts == direct.counts
    for metric in ("finished_early", "finished_on_time", "finished_late"):
        ids = set(selectors.drilldown(selectors.Scope.of(province.leader), MARCH, metric).values_list("pk", flat=True))
        if dossier.pk in ids:
            assert summary.counts[metric] == 1
            return metric
    raise AssertionError("the dossier is in no drill-down list")


def test_the_appointment_of_the_worked_week(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    assert dossier.due_at == DUE and dossier.original_due_at == DUE


def test_resolved_exactly_at_the_appointment_is_on_time(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    dossier = life.finish(dossier, province.a, DUE)
    assert dossier.completed_at == DUE
    assert outcome_of(province, dossier) == "finished_on_time"


def test_a_minute_after_the_appointment_is_late(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.finish(dossier, province.a, DUE + dt.timedelta(minutes=1))
    assert outcome_of(province, dossier) == "finished_late"


def test_earlier_on_the_appointment_day_is_on_time_and_a_day_before_is_early(province, life):
    on_the_day = life.receive(province.a, province.birth, RECEIVED)
    life.finish(on_the_day, province.a, at(2026, 3, 9, 7, 5))
    assert outcome_of(province, on_the_day) == "finished_on_time"
    day_before = life.receive(province.b, province.birth, RECEIVED)
    life.finish(day_before, province.b, at(2026, 3, 6, 16, 59))
    summary, direct = numbers(province)
    assert summary.counts["finished_early"] == direct.counts["finished_early"] == 1
    assert summary.counts["finished_on_time"] == 1


def test_the_supplement_pause_moves_the_appointment_it_is_judged_against(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    life.do("request_supplement", dossier, province.a, at(2026, 3, 3, 9, 0))
    # While paused the clock does not run: past the first appointment, it is still within its time.
    summary, direct = numbers(province, now=at(2026, 3, 10, 9, 0))
    assert summary.pending == direct.pending == {"pending": 1, "pending_overdue": 0, "pending_within": 1}
    dossier = life.do("complete_supplement", dossier, province.a, at(2026, 3, 5, 9, 0))  # paused 2 working days
    assert dossier.original_due_at == at(2026, 3, 11, 9, 0)
    for action in ("send_for_approval", "approve"):
        dossier = life.do(action, dossier, province.a, at(2026, 3, 11, 9, 0))
    assert outcome_of(province, dossier) == "finished_on_time"


def test_a_paused_dossier_that_was_already_late_stays_overdue(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    life.do("request_supplement", dossier, province.a, at(2026, 3, 10, 9, 0))  # a day after the appointment
    summary, direct = numbers(province, now=at(2026, 3, 11, 9, 0))
    assert summary.pending == direct.pending == {"pending": 1, "pending_overdue": 1, "pending_within": 0}


def test_an_apology_with_a_new_appointment_does_not_make_a_late_dossier_on_time(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    dossier = life.do("extend", dossier, province.a, at(2026, 3, 6, 9, 0), new_due_at=at(2026, 3, 13, 17, 0))
    assert dossier.due_at == at(2026, 3, 13, 17, 0) and dossier.original_due_at == DUE
    summary, _direct = numbers(province, now=at(2026, 3, 10, 9, 0))
    assert summary.pending["pending_overdue"] == 1  # before the new appointment, yet overdue
    for action in ("send_for_approval", "approve"):
        dossier = life.do(action, dossier, province.a, at(2026, 3, 12, 9, 0))  # before the new appointment
    assert outcome_of(province, dossier) == "finished_late"


def test_finished_means_result_ready_not_returned(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    dossier = life.finish(dossier, province.a, at(2026, 3, 6, 9, 0))
    dossier = life.do("return_result", dossier, province.a, at(2026, 3, 16, 9, 0))  # collected a week late
    assert dossier.completed_at == at(2026, 3, 6, 9, 0) and dossier.returned_at == at(2026, 3, 16, 9, 0)
    assert outcome_of(province, dossier) == "finished_early"


def test_stopped_and_withdrawn_dossiers_are_finished_when_they_stop(province, life):
    stopped = life.receive(province.a, province.birth, RECEIVED)
    life.do("stop", stopped, province.a, at(2026, 3, 9, 10, 0))
    withdrawn = life.receive(province.a, province.birth, RECEIVED)
    life.do("withdraw", withdrawn, province.a, at(2026, 3, 4, 10, 0))
    summary, direct = numbers(province)
    assert summary.counts == direct.counts
    assert (summary.counts["finished_late"], summary.counts["finished_early"]) == (1, 1)
    assert summary.counts["finished_with_result"] == 0


def test_a_second_supplement_request_during_processing_makes_it_late_however_early_it_ends(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    for day in (3, 4):
        life.do("request_supplement", dossier, province.a, at(2026, 3, day, 9, 0))
        life.do("complete_supplement", dossier, province.a, at(2026, 3, day, 10, 0))
    for action in ("send_for_approval", "approve"):
        dossier = life.do(action, dossier, province.a, at(2026, 3, 4, 11, 0))
    assert outcome_of(province, dossier) == "finished_late"
    summary, _direct = numbers(province)
    assert summary.counts["finished_late_supplement"] == 1


def test_one_supplement_request_does_not(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    life.do("request_supplement", dossier, province.a, at(2026, 3, 3, 9, 0))
    life.do("complete_supplement", dossier, province.a, at(2026, 3, 3, 10, 0))
    for action in ("send_for_approval", "approve"):
        dossier = life.do(action, dossier, province.a, at(2026, 3, 4, 11, 0))
    assert outcome_of(province, dossier) == "finished_early"


@pytest.mark.parametrize("received, finished, expected", [
    (at(2026, 3, 2, 14, 59), at(2026, 3, 2, 17, 0), "finished_on_time"),   # before 15:00: due 17:00 that day
    (at(2026, 3, 2, 14, 59), at(2026, 3, 2, 17, 1), "finished_late"),
    (at(2026, 3, 2, 15, 0), at(2026, 3, 3, 16, 0), "finished_on_time"),    # from 15:00: due 17:00 next day
    (at(2026, 3, 2, 15, 0), at(2026, 3, 2, 16, 0), "finished_early"),
])
def test_same_day_services_at_the_three_oclock_cut_off(province, life, received, finished, expected):
    dossier = life.receive(province.a, province.same_day, received)
    life.finish(dossier, province.a, finished)
    assert outcome_of(province, dossier) == expected


def test_refused_at_reception_is_counted_apart_and_never_judged(province, life):
    dossier = life.intake(province.a, province.birth, RECEIVED)
    life.do("refuse", dossier, province.a, at(2026, 3, 2, 9, 30))
    summary, direct = numbers(province)
    assert summary.counts == direct.counts
    assert summary.counts["refused"] == 1 and summary.counts["received"] == 0 and summary.counts["finished"] == 0


def test_processing_time_leaves_out_the_citizens_supplement_time(province, life):
    dossier = life.receive(province.a, province.birth, RECEIVED)
    life.do("assign", dossier, province.a, at(2026, 3, 2, 10, 0))
    life.do("request_supplement", dossier, province.a, at(2026, 3, 3, 9, 0))
    life.do("complete_supplement", dossier, province.a, at(2026, 3, 4, 9, 0))  # one working day paused
    for action in ("send_for_approval", "approve"):
        life.do(action, dossier, province.a, at(2026, 3, 5, 9, 0))
    summary, direct = numbers(province)
    # 02/03 09:00 → 05/03 09:00 is 3 working days; one of them was the citizen's.
    assert summary.counts["processing_seconds"] == direct.counts["processing_seconds"] == 2 * 8 * 3600
    assert summary.counts["allowed_seconds"] == 5 * 8 * 3600
    assert summary.average_processing_days == 2.0 and summary.average_allowed_days == 5.0


def test_a_day_row_is_the_count_of_its_day(province, life):
    life.receive(province.a, province.birth, RECEIVED)
    start, end = day_bounds(RECEIVED.date(), RECEIVED.date())
    where = Where(agency_ids=frozenset({province.a.agency.pk}), procedure_id=province.birth.pk)
    from dashboard.models import DailyStat

    row = DailyStat.objects.get(agency=province.a.agency, procedure=province.birth, day=RECEIVED.date())
    assert row.counts() == count(where, start, end)
    assert row.received == row.received_desk == 1
    assert Dossier.objects.count() == 1


def test_an_event_recounts_a_bounded_number_of_rows(province, life, django_assert_max_num_queries):
    """The after-commit refresh reads the dossier's own day rows, whatever the size of the database."""
    from dashboard import summary

    for _ in range(3):  # neighbours in the same rows: they must not add queries
        life.finish(life.receive(province.a, province.birth, RECEIVED), province.a, DUE)
    dossier = life.finish(life.receive(province.a, province.birth, RECEIVED), province.a, at(2026, 3, 10, 9, 0))
    with django_assert_max_num_queries(30) as captured:
        keys = summary.refresh_dossier(dossier.pk)
    assert len(keys) == 2  # the day it was received, the day it finished
    assert len(captured) >= 15
