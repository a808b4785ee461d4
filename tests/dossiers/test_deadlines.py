"""The working-time calendar (DOMAIN.md Part A "Time rules", B §1.8, §7), as tables.

Dates are written as a clerk reads them off a receipt: "2026-02-13 15:00" is Vietnamese wall-clock time.
"""

import re
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import holidays
import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from dossiers import deadlines
from dossiers.deadlines import VN_TZ, WorkCalendar, calendar_for, format_vn
from dossiers.models import CalendarException, CalendarExceptionKind
from procedures.models import TimeUnit
from tests.factories import AgencyFactory, UserFactory

MAKE_UP_SATURDAY_2026 = date(2026, 8, 22)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


@pytest.fixture
def cal():
    """The default calendar with the seeded make-up Saturday, without the database."""
    return WorkCalendar(extra_working_days={MAKE_UP_SATURDAY_2026: "Làm bù cho thứ Hai 31/08/2026"})


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Rows written by a test vanish on rollback without a post_delete signal: forget them explicitly.
    deadlines.clear_calendar_cache()
    yield
    deadlines.clear_calendar_cache()


# ----- N working days = N × 8 working hours from the receipt -------------------------------------------

WORKING_DAYS = [
    # received,            limit,  due,                  why
    ("2023-10-27 09:32", 5, "2023-11-03 09:32", "the worked example printed on a real receipt (DOMAIN.md B §1.8)"),
    ("2023-11-03 10:00", 1, "2023-11-06 10:00", "Friday + 1 skips the weekend"),
    ("2023-10-23 07:00", 5, "2023-10-27 17:00", "landing exactly on 17:00 stays on Friday, not Monday 07:00"),
    ("2023-10-26 12:00", 1, "2023-10-27 11:30", "received at lunch counts from 13:30; lands on 11:30 and stays"),
    ("2023-10-26 17:30", 1, "2023-10-27 17:00", "received after hours counts from the next 07:00"),
    ("2023-10-26 06:15", 1, "2023-10-26 17:00", "received before opening counts from 07:00"),
    ("2023-10-28 10:00", 1, "2023-10-30 17:00", "received on a Saturday counts from Monday 07:00"),
    ("2023-10-27 09:32", 0.5, "2023-10-27 15:32", "half a day is 4 working hours, across lunch"),
    ("2023-10-27 14:00", Decimal("0.5"), "2023-10-30 08:00", "half a day across a weekend"),
    ("2023-10-27 09:32", "1.25", "2023-10-30 13:32", "1.25 days = 10 working hours"),
    # Tết Bính Ngọ 2026: weekdays 16–20/02 off, 9 days 14–22/02 (DOMAIN.md B §7).
    ("2026-02-13 15:00", 1, "2026-02-23 15:00", "received the Friday before Tết"),
    ("2026-02-12 09:00", 2, "2026-02-23 09:00", "Thursday before Tết, 2 days"),
    ("2026-02-17 10:00", 1, "2026-02-23 17:00", "received on mùng 1 Tết (a holiday) counts from Monday 23/02"),
    ("2026-01-05 09:00", 30, "2026-02-23 09:00", "30 working days over January and Tết"),
    # Tết Đinh Mùi 2027 per holidays 0.109: 04/02–10/02.
    ("2027-02-03 10:00", 1, "2027-02-11 10:00", "the day before Tết 2027"),
    ("2027-02-02 16:00", 2, "2027-02-11 16:00", "Tuesday before Tết 2027, 2 days"),
    ("2026-04-24 09:00", 1, "2026-04-28 09:00", "Hùng Kings' day 2026 falls on Sunday, observed Monday 27/04"),
    ("2026-04-29 14:00", 1, "2026-05-04 14:00", "30/4 and 1/5/2026 (Thursday, Friday)"),
    ("2027-04-29 14:00", 1, "2027-05-04 14:00", "30/4/2027 Friday; 1/5 Saturday observed Monday 03/05"),
    ("2026-08-28 09:00", 1, "2026-09-03 09:00", "National Day 2026: Monday 31/08 swapped off, 1/9 and 2/9"),
    ("2026-08-21 09:00", 1, "2026-08-22 09:00", "Saturday 22/08/2026 is a make-up working day"),
    ("2026-08-21 17:00", 1, "2026-08-22 17:00", "a whole make-up Saturday counts"),
    ("2026-11-23 09:00", 1, "2026-11-25 09:00", "24/11/2026 Ngày Văn hóa Việt Nam"),
    ("2027-11-23 10:00", 1, "2027-11-25 10:00", "24/11/2027"),
    ("2026-12-31 10:00", 1, "2027-01-04 10:00", "New Year's Day 2027 (Friday), across the year"),
]


@pytest.mark.parametrize(("received", "limit", "due", "why"), WORKING_DAYS, ids=[row[3] for row in WORKING_DAYS])
def test_due_in_working_days(cal, received, limit, due, why):
    assert cal.due_at(at(received), limit, "working_days") == at(due)


# ----- same-day services: the 15:00 cut-off -----------------------------------------------------------

SAME_DAY = [
    ("2023-10-26 14:59", "2023-10-26 17:00", "before 15:00 → 17:00 the same day"),
    ("2023-10-26 15:00", "2023-10-27 17:00", "from 15:00 → 17:00 the next working day"),
    ("2023-10-27 15:30", "2023-10-30 17:00", "Friday 15:30 → Monday 17:00"),
    ("2023-10-28 09:00", "2023-10-30 17:00", "Saturday → Monday 17:00"),
    ("2023-10-26 06:00", "2023-10-26 17:00", "before opening → the same day"),
    ("2023-10-26 18:00", "2023-10-27 17:00", "after closing → the next working day"),
    ("2026-02-13 14:00", "2026-02-13 17:00", "the day before Tết, before 15:00"),
    ("2026-02-13 15:30", "2026-02-23 17:00", "the day before Tết, after 15:00 → after Tết"),
    ("2026-09-02 09:00", "2026-09-03 17:00", "received on National Day"),
    ("2026-08-22 09:00", "2026-08-22 17:00", "the make-up Saturday is a working day"),
]


@pytest.mark.parametrize(("received", "due", "why"), SAME_DAY, ids=[row[2] for row in SAME_DAY])
def test_same_day_service_follows_the_cutoff(cal, received, due, why):
    assert cal.due_at(at(received), 0) == at(due)


def test_same_day_applies_to_a_zero_limit_in_any_unit(cal):
    for unit in deadlines.UNITS:
        assert cal.due_at(at("2023-10-26 15:00"), Decimal(0), unit) == at("2023-10-27 17:00")


def test_cutoff_is_configurable(db, settings):
    settings.SAME_DAY_CUTOFF = "16:00"
    assert deadlines.due_at(start=at("2023-10-26 15:30"), limit=0) == at("2023-10-26 17:00")
    assert deadlines.due_at(start=at("2023-10-26 16:00"), limit=0) == at("2023-10-27 17:00")


# ----- other units ------------------------------------------------------------------------------------

OTHER_UNITS = [
    ("2023-10-27 16:00", 8, "working_hours", "2023-10-30 16:00", "8 working hours across a weekend"),
    ("2023-10-26 11:00", 1, "working_hours", "2023-10-26 14:00", "1 working hour across lunch"),
    ("2023-10-26 09:00", 15, "calendar_days", "2023-11-10 09:00", "15 calendar days, weekends included"),
    ("2023-10-27 09:32", 15, "calendar_days", "2023-11-13 17:00", "lands on Saturday → Monday's closing time"),
    ("2023-10-25 20:15", 15, "calendar_days", "2023-11-10 07:00", "received after hours counts from 07:00"),
    ("2026-08-17 10:00", 15, "calendar_days", "2026-09-03 17:00", "lands on National Day → next working day"),
    ("2026-08-07 09:00", 15, "calendar_days", "2026-08-22 09:00", "lands on the make-up Saturday: kept"),
    ("2023-10-26 09:00", 0.5, "calendar_days", "2023-10-27 17:00", "half a calendar day ends after closing"),
]


@pytest.mark.parametrize(
    ("received", "limit", "unit", "due", "why"), OTHER_UNITS, ids=[row[4] for row in OTHER_UNITS]
)
def test_due_in_other_units(cal, received, limit, unit, due, why):
    assert cal.due_at(at(received), limit, unit) == at(due)


def test_units_are_the_catalogs_units():
    assert set(deadlines.UNITS) == set(TimeUnit.values)


@pytest.mark.parametrize(
    ("limit", "unit"),
    [(-1, "working_days"), ("abc", "working_days"), (float("nan"), "working_days"), (True, "working_days"),
     (1, "weeks")],
)
def test_bad_limits_are_refused(cal, limit, unit):
    with pytest.raises(ValueError):
        cal.due_at(at("2023-10-26 09:00"), limit, unit)


# ----- moments and spans ------------------------------------------------------------------------------

NEXT_OPENING = [
    ("2023-10-26 09:00", "2023-10-26 09:00", "inside a session: now"),
    ("2023-10-26 06:00", "2023-10-26 07:00", "before opening"),
    ("2023-10-26 11:30", "2023-10-26 13:30", "the moment the morning closes"),
    ("2023-10-26 12:10", "2023-10-26 13:30", "lunch"),
    ("2023-10-27 17:00", "2023-10-30 07:00", "Friday closing → Monday"),
    ("2026-02-13 17:30", "2026-02-23 07:00", "after hours before Tết"),
]


@pytest.mark.parametrize(("moment", "opening", "why"), NEXT_OPENING, ids=[row[2] for row in NEXT_OPENING])
def test_next_opening(cal, moment, opening, why):
    assert cal.next_opening(at(moment)) == at(opening)


BETWEEN = [
    ("2023-10-27 10:00", "2023-10-30 14:00", 10 * 3600, "Friday 10:00 → Monday 14:00, weekend and lunches out"),
    ("2023-10-26 11:45", "2023-10-26 13:15", 0, "inside lunch"),
    ("2023-10-26 08:00", "2023-10-26 09:30", 90 * 60, "inside one session"),
    ("2023-10-26 09:00", "2023-10-26 08:00", 0, "end before start"),
    ("2026-02-13 16:00", "2026-02-23 08:00", 2 * 3600, "across Tết"),
    ("2023-10-21 00:00", "2023-10-22 23:59", 0, "a whole weekend"),
]


@pytest.mark.parametrize(("a", "b", "seconds", "why"), BETWEEN, ids=[row[3] for row in BETWEEN])
def test_working_seconds_between(cal, a, b, seconds, why):
    assert cal.working_seconds_between(at(a), at(b)) == seconds


@pytest.mark.django_db
def test_a_supplement_pause_moves_the_due_date_by_the_paused_working_time():
    # Received Monday, 5 working days; the citizen is asked for a document on Wednesday 10:00 and brings
    # it the next Monday 09:00: 5 h (Wed) + 8 h (Thu) + 8 h (Fri) + 2 h (Mon) = 23 working hours paused.
    received = at("2026-11-02 09:00")
    due = deadlines.due_at(start=received, limit=5)
    assert due == at("2026-11-09 09:00")
    paused = deadlines.working_seconds_between(at("2026-11-04 10:00"), at("2026-11-09 09:00"))
    assert paused == 23 * 3600
    resumed_due = deadlines.add_working_seconds(due, paused)
    assert resumed_due == at("2026-11-12 08:00")
    # The agency still gets exactly 5 working days of its own time.
    assert deadlines.working_seconds_between(received, resumed_due) - paused == 5 * 8 * 3600


def test_adding_no_time_keeps_the_moment(cal):
    assert cal.add_working_seconds(at("2023-10-28 10:00"), 0) == at("2023-10-28 10:00")


def test_naive_and_foreign_datetimes_are_read_as_vietnamese_time(cal):
    naive = datetime(2023, 10, 27, 9, 32)
    utc = datetime(2023, 10, 27, 2, 32, tzinfo=UTC)
    for start in (naive, utc):
        due = cal.due_at(start, 5)
        assert due == at("2023-11-03 09:32")
        assert due.tzinfo == VN_TZ


WORKING_DAY_COUNTS = [
    ("2026-02-09", "2026-02-23", 6, [
        ("2026-02-14", "Nghỉ cuối tuần"), ("2026-02-15", "Nghỉ cuối tuần"),
        ("2026-02-16", "Giao thừa Tết Nguyên Đán"), ("2026-02-17", "Tết Nguyên Đán"),
        ("2026-02-18", "Mùng hai Tết Nguyên Đán"), ("2026-02-19", "Mùng ba Tết Nguyên Đán"),
        ("2026-02-20", "Mùng bốn Tết Nguyên Đán"), ("2026-02-21", "Nghỉ cuối tuần"),
        ("2026-02-22", "Nghỉ cuối tuần"),
    ]),
    ("2026-08-22", "2026-09-02", 6, [
        ("2026-08-23", "Nghỉ cuối tuần"), ("2026-08-29", "Nghỉ cuối tuần"), ("2026-08-30", "Nghỉ cuối tuần"),
        ("2026-08-31", "Ngày nghỉ (thay cho ngày 22/08/2026)"), ("2026-09-01", "Quốc khánh"),
        ("2026-09-02", "Quốc khánh"),
    ]),
    ("2026-04-25", "2026-04-27", 0, [
        ("2026-04-25", "Nghỉ cuối tuần"), ("2026-04-26", "Ngày Giỗ Tổ Hùng Vương"),
        ("2026-04-27", "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
    ]),
    ("2023-10-26", "2023-10-26", 1, []),
    ("2023-10-27", "2023-10-26", 0, []),
]


@pytest.mark.parametrize(("a", "b", "count", "off"), WORKING_DAY_COUNTS)
def test_working_days_between_counts_and_gives_reasons(cal, a, b, count, off):
    got_count, got_off = cal.working_days_between(date.fromisoformat(a), date.fromisoformat(b))
    assert got_count == count
    assert got_off == [(date.fromisoformat(d), reason) for d, reason in off]


# ----- agencies with their own sessions ---------------------------------------------------------------

MORNING_0730 = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))  # 8 hours, lunch 11:30–13:00
SHORT_DAY = ((time(8, 0), time(12, 0)), (time(13, 0), time(16, 30)))  # 7.5 hours

CUSTOM_SESSIONS = [
    (MORNING_0730, "2023-10-27 09:32", 5, "2023-11-03 09:32", "8-hour sessions keep the worked example"),
    (MORNING_0730, "2023-10-26 12:00", 1, "2023-10-27 11:30", "lunch 11:30–13:00: counts from 13:00"),
    (MORNING_0730, "2023-10-26 07:00", 0.5, "2023-10-26 11:30", "opens 07:30"),
    (SHORT_DAY, "2023-10-26 14:00", 0, "2023-10-26 16:30", "same day ends at the agency's closing time"),
    (SHORT_DAY, "2023-10-23 08:00", 1, "2023-10-24 08:30", "a working day is 8 working hours (DOMAIN.md)"),
    (((time(7), time(11)), (time(12), time(14))), "2023-10-26 14:30", 0, "2023-10-27 14:00",
     "same day: an agency closing before the cut-off never gets a due date before the receipt"),
]


@pytest.mark.parametrize(
    ("sessions", "received", "limit", "due", "why"), CUSTOM_SESSIONS, ids=[row[4] for row in CUSTOM_SESSIONS]
)
def test_agency_sessions(sessions, received, limit, due, why):
    assert WorkCalendar(sessions=sessions).due_at(at(received), limit) == at(due)


def test_overlapping_or_empty_sessions_are_refused():
    with pytest.raises(ValueError):
        WorkCalendar(sessions=((time(7), time(12)), (time(11), time(17))))
    with pytest.raises(ValueError):
        WorkCalendar(sessions=())
    with pytest.raises(ValueError):
        WorkCalendar(days_off={date(2026, 8, 22)}, extra_working_days={date(2026, 8, 22)})


@pytest.mark.django_db
def test_calendar_for_an_agency_uses_its_sessions():
    agency = AgencyFactory(morning_start=time(7, 30), morning_end=time(11, 30), afternoon_start=time(13, 0))
    assert deadlines.due_at(start=at("2023-10-26 12:00"), limit=0.5, agency=agency) == at("2023-10-26 17:00")
    assert deadlines.due_at(start=at("2023-10-26 12:00"), limit=0.5) == at("2023-10-27 07:30")
    assert deadlines.next_opening(at("2023-10-26 07:10"), agency=agency) == at("2023-10-26 07:30")


# ----- the database calendar: seed and admin exceptions -----------------------------------------------


@pytest.mark.django_db
def test_seeded_make_up_saturday_is_a_working_day():
    assert CalendarException.objects.filter(date=MAKE_UP_SATURDAY_2026, kind="work", agency=None).exists()
    assert deadlines.due_at(start=at("2026-08-21 09:00"), limit=1) == at("2026-08-22 09:00")
    assert deadlines.working_days_between(date(2026, 8, 22), date(2026, 8, 23)) == (
        1, [(date(2026, 8, 23), "Nghỉ cuối tuần")]
    )


@pytest.mark.django_db
def test_every_official_swap_in_the_holidays_package_has_its_make_up_day_seeded():
    # The package names the day off "Ngày nghỉ (thay cho ngày 22/08/2026)" but keeps the Saturday a rest day.
    calendar = calendar_for(None)
    swapped = []
    for year in range(2024, 2028):
        for day, name in holidays.country_holidays("VN", years=year, language="vi").items():
            match = re.search(r"thay cho ngày (\d{2}/\d{2}/\d{4})", name)
            if match:
                swapped.append((day, datetime.strptime(match[1], "%d/%m/%Y").date()))
    assert swapped  # the package still lists them
    for day_off, make_up in swapped:
        assert not calendar.is_working_day(day_off)
        assert calendar.is_working_day(make_up), f"make-up day {make_up} for {day_off} is not seeded"


@pytest.mark.django_db
def test_an_admin_day_off_moves_due_dates_at_once():
    start = at("2026-11-05 09:00")  # Thursday
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-06 09:00")
    row = CalendarException.objects.create(date=date(2026, 11, 6), kind=CalendarExceptionKind.DAY_OFF,
                                           name="Nghỉ theo quyết định của UBND tỉnh")
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-09 09:00")
    assert deadlines.working_days_between(date(2026, 11, 6), date(2026, 11, 6)) == (
        0, [(date(2026, 11, 6), "Nghỉ theo quyết định của UBND tỉnh")]
    )
    row.delete()
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-06 09:00")


@pytest.mark.django_db
def test_an_admin_make_up_day_and_an_edit_take_effect_at_once():
    start = at("2026-11-06 09:00")  # Friday
    row = CalendarException.objects.create(date=date(2026, 11, 7), kind=CalendarExceptionKind.WORKING_DAY,
                                           name="Làm bù")
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-07 09:00")
    row.kind = CalendarExceptionKind.DAY_OFF
    row.save()
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-09 09:00")


@pytest.mark.django_db
def test_an_agency_exception_applies_to_that_agency_only_and_overrides_the_global_one():
    commune, other = AgencyFactory(), AgencyFactory()
    CalendarException.objects.create(date=date(2026, 11, 6), kind="off", name="Nghỉ toàn tỉnh")
    CalendarException.objects.create(date=date(2026, 11, 6), kind="work", name="Trực tiếp nhận", agency=commune)
    CalendarException.objects.create(date=date(2026, 11, 5), kind="off", name="Sự cố mất điện", agency=other)
    start = at("2026-11-04 09:00")  # Wednesday
    assert deadlines.due_at(start=start, limit=2, agency=commune) == at("2026-11-06 09:00")
    assert deadlines.due_at(start=start, limit=2, agency=other) == at("2026-11-10 09:00")
    assert deadlines.due_at(start=start, limit=2) == at("2026-11-09 09:00")


@pytest.mark.django_db
def test_another_process_edit_reaches_this_process_through_the_shared_version(monkeypatch):
    start = at("2026-11-05 09:00")
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-06 09:00")  # cached in this process
    # Another process writes the row: this process gets no signal, only the version in the shared cache.
    CalendarException.objects.bulk_create(
        [CalendarException(date=date(2026, 11, 6), kind="off", name="Nghỉ đột xuất")]
    )
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-06 09:00")  # still the cached calendar
    cache.incr(deadlines._VERSION_KEY)  # what the other process's post_save does to the shared version
    # This process trusts the version it read for a moment (a second), then reads it again.
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-06 09:00")
    monkeypatch.setattr(deadlines, "_VERSION_TRUSTED_SECONDS", 0)
    assert deadlines.due_at(start=start, limit=1) == at("2026-11-09 09:00")


@pytest.mark.django_db
def test_calendar_is_cached_between_calls(django_assert_num_queries):
    agency = AgencyFactory()
    calendar_for(agency)
    with django_assert_num_queries(0):
        for _i in range(20):
            deadlines.due_at(start=at("2026-02-13 15:00"), limit=1, agency=agency)


# ----- display ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at("2023-11-03 09:32"), "Thứ Sáu, 03/11/2023 09:32"),
        (at("2026-02-23 17:00"), "Thứ Hai, 23/02/2026 17:00"),
        (at("2026-08-22 07:05"), "Thứ Bảy, 22/08/2026 07:05"),
        (at("2026-02-22 10:00"), "Chủ Nhật, 22/02/2026 10:00"),
        (datetime(2023, 11, 3, 2, 32, tzinfo=UTC), "Thứ Sáu, 03/11/2023 09:32"),
    ],
)
def test_format_vn(moment, text):
    assert format_vn(moment) == text


def test_weekday_names():
    monday = date(2026, 2, 16)
    assert [deadlines.weekday_vn(monday + timedelta(days=i)) for i in range(7)] == [
        "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật",
    ]
    assert deadlines.format_vn_date(date(2023, 11, 3)) == "Thứ Sáu, 03/11/2023"


# ----- properties and speed ---------------------------------------------------------------------------

PROPERTY_CALENDAR = WorkCalendar(extra_working_days={MAKE_UP_SATURDAY_2026})
moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=VN_TZ)
)


@settings(max_examples=300, deadline=None)
@given(start=moments, seconds=st.integers(min_value=1, max_value=60 * 8 * 3600))
def test_adding_then_measuring_working_time_gives_it_back(start, seconds):
    due = PROPERTY_CALENDAR.add_working_seconds(start, seconds)
    assert PROPERTY_CALENDAR.working_seconds_between(start, due) == seconds
    # The result is inside a session or exactly at a session's end, on a working day.
    assert PROPERTY_CALENDAR.is_working_day(due.date())
    assert any(datetime.combine(due.date(), s, tzinfo=VN_TZ) < due <= datetime.combine(due.date(), e, tzinfo=VN_TZ)
               for s, e in PROPERTY_CALENDAR.sessions)


def test_thirty_working_days_skip_whole_days(cal):
    begin = clock.perf_counter()
    for _i in range(200):
        cal.due_at(at("2026-01-05 09:00"), 30)
    # ~0.1 ms each here; a minute-by-minute walk would take seconds.
    assert clock.perf_counter() - begin < 1.0


days = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=200, deadline=None)
@given(first=days, last=days)
def test_counting_working_days_agrees_with_listing_them(first, last):
    count, off = PROPERTY_CALENDAR.working_days_between(first, last)
    assert PROPERTY_CALENDAR.count_working_days(first, last) == count
    assert count + len(off) == max((last - first).days + 1, 0)


# ----- the admin --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_and_adds_calendar_exceptions(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:dossiers_calendarexception_changelist"))
    assert response.status_code == 200
    assert "Thứ Bảy" in response.content.decode()  # the seeded 22/08/2026
    response = client.post(
        reverse("admin:dossiers_calendarexception_add"),
        {"date": "2026-11-06", "kind": "off", "name": "Nghỉ theo quyết định của UBND tỉnh", "agency": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert deadlines.due_at(start=at("2026-11-05 09:00"), limit=1) == at("2026-11-09 09:00")


@pytest.mark.parametrize(("done", "due", "expected"), [
    ("2023-11-02 16:00", "2023-11-03 09:32", "early"),     # an earlier day
    ("2023-11-03 08:30", "2023-11-03 09:32", "on_time"),   # the appointment day, before its time
    ("2023-11-03 09:32", "2023-11-03 09:32", "on_time"),   # exactly at the appointment
    ("2023-11-03 09:33", "2023-11-03 09:32", "late"),      # a minute after it
    ("2023-11-06 07:00", "2023-11-03 09:32", "late"),
])
def test_timeliness_is_one_rule_for_forms_and_statistics(done, due, expected):
    tz = deadlines.VN_TZ
    parse = lambda text: datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz)  # noqa: E731
    assert deadlines.timeliness(parse(done), parse(due)) == expected
