"""The Decision 766 index: formulas and thresholds of B §5, pro-rated below the threshold, 2 decimals,
N/A when there is nothing to divide, and N/A with a reason for what the portal cannot measure."""

from decimal import Decimal

import pytest

from dashboard import index766
from dashboard.periods import Period
from dashboard.selectors import Scope
from procedures.models import OnlineLevel

from .conftest import at

MARCH = Period.month(2026, 3)


def compute(province, *, user=None, now=None):
    return index766.compute(Scope.of(user or province.leader), MARCH, now=now or at(2026, 4, 15, 9, 0))


def test_five_groups_one_hundred_points(province):
    index = compute(province)
    assert [(g.code, g.max_points) for g in index.groups] == [("1", 18), ("2", 20), ("3", 22), ("4", 22), ("5", 18)]
    for group in index.groups:
        assert sum(i.points for i in group.indicators) == group.max_points


def test_what_the_portal_cannot_measure_is_na_with_its_reason(province):
    index = compute(province)
    for code in ("1.1", "1.2", "1.4", "3.5", "4.4", "4.5"):
        indicator = index.indicator(code)
        assert indicator.rate is None and indicator.score is None
        assert "Cổng" in indicator.na_reason or "cổng" in indicator.na_reason


def test_nothing_received_means_na_not_zero(province):
    index = compute(province)
    assert index.indicator("2.1").rate is None
    assert index.indicator("3.3").rate is None
    assert index.indicator("2.1").na_reason == "Không có dữ liệu trong kỳ (mẫu số bằng 0)."
    assert index.measured_points < 100


def test_below_the_threshold_the_points_are_pro_rated_to_two_decimals(province, life):
    # Three received at the desk, one online: 25 % online against a 50 % threshold → half of 6 points.
    for channel in ("desk", "desk", "postal"):
        life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0), channel=channel)
    from dossiers import services
    from tests.factories import DossierFactory

    with life.moment(at(2026, 3, 2, 9, 0)):  # a citizen's online submission, received by the desk
        online = DossierFactory(procedure=province.birth, receiving_agency=province.a.agency, submitted=True)
        services.dossier_receive(dossier=online, by=province.a.clerk)
    indicator = compute(province).indicator("3.3")
    assert (indicator.numerator, indicator.denominator, indicator.rate) == (1, 4, Decimal("25.00"))
    assert indicator.threshold == 50 and indicator.points == 6
    assert indicator.score == Decimal("3.00")


def test_above_the_threshold_the_points_are_full(province):
    # 3.1 counts the catalog: all three procedures are offered online (factory: partly online), threshold 80 %.
    indicator = compute(province).indicator("3.1")
    assert indicator.rate == Decimal("100.00") and indicator.score == indicator.points
    province.land.online_level = OnlineLevel.NONE
    province.land.save(update_fields=["online_level"])
    indicator = compute(province).indicator("3.1")
    assert indicator.rate == Decimal("66.67")
    assert indicator.score == (Decimal("66.67") / 80 * 4).quantize(Decimal("0.01"))


def test_on_time_rate_counts_what_is_still_open_at_the_end_of_the_period(province, life):
    early = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(early, province.a, at(2026, 3, 4, 9, 0))
    late_open = life.receive(province.a, province.birth, at(2026, 3, 16, 9, 0))  # due 23/03, open at the end
    within_open = life.receive(province.a, province.birth, at(2026, 3, 30, 9, 0))  # due 06/04, open at the end
    # Both still open "now" (15/04) — but at the end of March only the first was late.
    index = compute(province)
    assert (index.indicator("2.1").numerator, index.indicator("2.1").denominator) == (2, 3)
    assert index.indicator("2.1").rate == Decimal("66.67")
    # Finishing them in April does not change March's index.
    life.finish(late_open, province.a, at(2026, 4, 2, 9, 0))
    life.finish(within_open, province.a, at(2026, 4, 3, 9, 0))
    assert compute(province).indicator("2.1").rate == Decimal("66.67")
    # 5.4: 100 % − late share (1/3) − disliked share (0).
    assert compute(province).indicator("5.4").rate == Decimal("66.67")


def test_a_commune_leaders_index_counts_only_the_commune(province, life):
    life.finish(life.receive(province.b, province.birth, at(2026, 3, 2, 9, 0)), province.b, at(2026, 3, 20, 9, 0))
    assert compute(province, user=province.b.leader).indicator("2.1").rate == 0
    assert compute(province, user=province.a.leader).indicator("2.1").rate is None


@pytest.mark.parametrize("weights, expected", [({"2.1": 20, "2.2": 0}, Decimal(20))])
def test_the_split_of_a_groups_points_is_a_setting(province, life, settings, weights, expected):
    settings.INDEX766_WEIGHTS = weights
    life.finish(life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0)), province.a, at(2026, 3, 4, 9, 0))
    assert compute(province).indicator("2.1").score == expected


def test_average_time_against_the_time_allowed(province, life):
    # Two dossiers of 5 working days: one done in 2 days, one in 8 → on average 5 used for 5 allowed.
    quick = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(quick, province.a, at(2026, 3, 4, 9, 0))
    slow = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(slow, province.a, at(2026, 3, 12, 9, 0))
    indicator = compute(province).indicator("2.2")
    assert (indicator.numerator, indicator.denominator, indicator.rate) == (Decimal("5.00"), Decimal("5.00"), 100)
    slower = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(slower, province.a, at(2026, 3, 16, 9, 0))  # 10 days: (2 + 8 + 10) / 3 = 6.67 for 5 allowed
    indicator = compute(province).indicator("2.2")
    assert (indicator.denominator, indicator.rate) == (Decimal("6.67"), Decimal("74.96"))
