"""Working-time arithmetic: the one place that knows the calendar (DOMAIN.md Part A "Time rules", B §1.8, §7).

Two layers:

* ``WorkCalendar`` — pure arithmetic, no ORM: weekends, Vietnam's public holidays from the ``holidays``
  package (loaded lazily per year), explicit extra days off and make-up working days (làm bù), the
  agency's working sessions and the same-day cut-off. Table-tested in tests/dossiers/test_deadlines.py.
* ``calendar_for(agency)`` and the module-level helpers (``due_at``, ``add_working_seconds``, ...) —
  build the calendar from ``CalendarException`` rows (global + the agency's own) and ``Agency`` sessions,
  cached per process and invalidated through a version number in the Django cache, so an admin's edit
  takes effect at once in every web and Celery process.

Every datetime handed back is aware, in Asia/Ho_Chi_Minh. A naive datetime handed in is read as
Asia/Ho_Chi_Minh wall-clock time (what a clerk types), an aware one is converted. Vietnam has had no
daylight-saving time since 1975, so wall-clock arithmetic in that zone is exact.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from procedures.models import TimeUnit

from .models import CalendarException, CalendarExceptionKind

logger = logging.getLogger(__name__)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Desk hours of the Thanh Hóa system (DOMAIN.md B §1.8, §7); an agency may set its own.
DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
DEFAULT_CUTOFF = time(15, 0)
# "A limit of N working days is N × 8 working hours" (DOMAIN.md A "Time rules"; 40-hour week, B §7).
WORKING_DAY_HOURS = 8
WORKING_DAY_SECONDS = WORKING_DAY_HOURS * 3600

UNITS = (TimeUnit.WORKING_DAYS.value, TimeUnit.WORKING_HOURS.value, TimeUnit.CALENDAR_DAYS.value)

# Displayed on receipts and tracking pages: Vietnamese whatever the interface language, as on the forms.
WEEKDAYS_VN = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# A calendar with no working day for this long is a configuration error, not a reason to loop forever.
_MAX_SCAN_DAYS = 366 * 10


def weekday_vn(day: date | datetime) -> str:
    """'Thứ Hai' … 'Chủ Nhật'."""
    if isinstance(day, datetime):
        day = localize(day)
    return WEEKDAYS_VN[day.weekday()]


EARLY, ON_TIME, LATE = "early", "on_time", "late"


def timeliness(done: datetime, due: datetime) -> str:
    """DOMAIN.md A "Time rules" with the 766 comparison (end ≤ appointment): after the appointment is late,
    an earlier day is early, the rest of the appointment day up to its time is on time. The dashboard's SQL
    (dashboard/metrics.py) expresses this same rule for counting."""
    if done > due:
        return LATE
    return EARLY if localize(done).date() < localize(due).date() else ON_TIME


def format_vn(moment: datetime) -> str:
    """'Thứ Sáu, 03/11/2023 09:32' — the appointment as printed on a receipt."""
    moment = localize(moment)
    return f"{weekday_vn(moment)}, {moment:%d/%m/%Y %H:%M}"


def format_vn_date(day: date | datetime) -> str:
    """'Thứ Sáu, 03/11/2023'."""
    if isinstance(day, datetime):
        day = localize(day).date()
    return f"{weekday_vn(day)}, {day:%d/%m/%Y}"


def localize(moment: datetime) -> datetime:
    """The moment in Asia/Ho_Chi_Minh; a naive datetime is taken as Vietnamese wall-clock time."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(VN_TZ)


def _as_decimal(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("limit must be a number")
    try:
        # str() first: Decimal(0.1) would carry the binary float's noise into the seconds.
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"limit must be a number, got {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"limit must be finite, got {value!r}")
    return result


def _to_seconds(amount: Decimal, per_unit: int) -> int:
    return int((amount * per_unit).to_integral_value(rounding=ROUND_HALF_UP))


@lru_cache(maxsize=64)
def _public_holidays(year: int, language: str) -> dict[date, str]:
    # The package computes lunar Tết and Hùng Kings' day, weekend observance and the official swap days
    # (DOMAIN.md B §7). One year at a time: deadlines touch one or two years, never the whole table.
    return dict(holidays.country_holidays("VN", years=year, language=language))


def _holiday_language() -> str:
    return "en_US" if (translation.get_language() or "vi").startswith("en") else "vi"


class WorkCalendar:
    """Working time of one agency. Pure: everything it knows comes through the constructor and ``holidays``.

    ``days_off`` and ``extra_working_days`` take a set of dates or a mapping date → reason; they win over
    the public holidays and the weekend. A date may not be in both.

    A working day is ``working_day_hours`` (8) hours of working time, to the letter of DOMAIN.md ("N working
    days = N × 8 working hours"), whatever the agency's sessions add up to; with the default sessions, or
    any 8-hour day, N working days end at the same clock time N working days later.
    """

    def __init__(
        self,
        *,
        sessions: Iterable[tuple[time, time]] = DEFAULT_SESSIONS,
        days_off: Iterable[date] | Mapping[date, str] = (),
        extra_working_days: Iterable[date] | Mapping[date, str] = (),
        cutoff: time = DEFAULT_CUTOFF,
        working_day_hours: int | float = WORKING_DAY_HOURS,
    ):
        self.sessions = tuple((s, e) for s, e in sessions)
        if not self.sessions:
            raise ValueError("a working day needs at least one session")
        previous_end = None
        for start, end in self.sessions:
            if start >= end or (previous_end is not None and start < previous_end):
                raise ValueError(f"sessions must be ordered and must not overlap: {self.sessions}")
            previous_end = end
        self.opening = self.sessions[0][0]
        self.closing = self.sessions[-1][1]
        self.cutoff = cutoff
        self.working_day_seconds = int(working_day_hours * 3600)
        self.days_off = self._as_reasons(days_off, _("Ngày nghỉ theo thông báo của cơ quan có thẩm quyền"))
        self.extra_working_days = self._as_reasons(extra_working_days, _("Ngày làm việc bù"))
        both = self.days_off.keys() & self.extra_working_days.keys()
        if both:
            raise ValueError(f"a day cannot be both a day off and a working day: {sorted(both)}")
        self._working: dict[date, bool] = {}
        self._tallies: dict[int, list[int]] = {}
        self._session_seconds = sum(
            (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds() for s, e in self.sessions
        )

    @staticmethod
    def _as_reasons(days, default_reason: str) -> dict[date, str]:
        if isinstance(days, Mapping):
            return {d: (reason or default_reason) for d, reason in days.items()}
        return dict.fromkeys(days, default_reason)

    def __repr__(self):
        sessions = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.sessions)
        return f"<WorkCalendar {sessions}, {len(self.days_off)} off, {len(self.extra_working_days)} make-up>"

    # ----- days -------------------------------------------------------------------------------------

    def non_working_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day, or ``None`` when it is one."""
        if day in self.days_off:
            return self.days_off[day]
        if day in self.extra_working_days:
            return None
        holiday = _public_holidays(day.year, _holiday_language()).get(day)
        if holiday:
            return holiday
        if day.weekday() >= 5:
            return _("Nghỉ cuối tuần")
        return None

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            if day in self.days_off:
                known = False
            elif day in self.extra_working_days:
                known = True
            else:
                known = day.weekday() < 5 and day not in _public_holidays(day.year, "vi")
            self._working[day] = known  # a few thousand dates at most: the calendar lives per version
        return known

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself when ``include`` and it is one)."""
        current = day if include else day + timedelta(days=1)
        for _i in range(_MAX_SCAN_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {day}")

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in [start, end], in constant time per year (a running tally per year, cached)."""
        if start > end:
            return 0
        first, last = self._tally(start.year), self._tally(end.year)
        begin, finish = start.timetuple().tm_yday, end.timetuple().tm_yday
        if start.year == end.year:
            return first[finish] - first[begin - 1]
        whole_years = sum(self._tally(year)[-1] for year in range(start.year + 1, end.year))
        return first[-1] - first[begin - 1] + whole_years + last[finish]

    def _tally(self, year: int) -> list[int]:
        tally = self._tallies.get(year)
        if tally is None:
            january_first = date(year, 1, 1)
            tally = [0]
            for offset in range((date(year + 1, 1, 1) - january_first).days):
                tally.append(tally[-1] + self.is_working_day(january_first + timedelta(days=offset)))
            self._tallies[year] = tally
        return tally

    def working_days_between(self, start: date, end: date) -> tuple[int, list[tuple[date, str]]]:
        """Working days in [start, end] (both included) and every non-working day there with its reason."""
        count, off = 0, []
        day = start
        while day <= end:
            reason = self.non_working_reason(day)
            if reason is None:
                count += 1
            else:
                off.append((day, reason))
            day += timedelta(days=1)
        return count, off

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, s, tzinfo=VN_TZ), datetime.combine(day, e, tzinfo=VN_TZ)) for s, e in self.sessions
        ]

    def closing_time(self, day: date) -> datetime:
        return datetime.combine(day, self.closing, tzinfo=VN_TZ)

    # ----- moments ----------------------------------------------------------------------------------

    def is_working_time(self, moment: datetime) -> bool:
        moment = localize(moment)
        if not self.is_working_day(moment.date()):
            return False
        return any(s <= moment < e for s, e in self._intervals(moment.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` if the desk is open then, else the start of the next working session."""
        moment = localize(moment)
        day = moment.date()
        for _i in range(_MAX_SCAN_DAYS):
            if self.is_working_day(day):
                for s, e in self._intervals(day):
                    if moment < e:
                        return max(s, moment)
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_SCAN_DAYS} days after {moment}")

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """``start`` plus ``seconds`` of working time.

        Time outside the sessions does not count, so a start outside working time counts from the next
        opening. A result that lands exactly on the end of a session stays there (17:00 Friday, not
        07:00 Monday). Whole working days are skipped at once: 30 working days are ~42 loop turns.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        current = localize(start)
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return current
        full_day = timedelta(seconds=self._session_seconds)
        day = current.date()
        for _i in range(_MAX_SCAN_DAYS * 10):
            if self.is_working_day(day):
                if current <= datetime.combine(day, self.opening, tzinfo=VN_TZ) and remaining > full_day:
                    remaining -= full_day  # a whole working day is used up: skip its sessions
                else:
                    for s, e in self._intervals(day):
                        if e <= current:
                            continue
                        begin = max(s, current)
                        available = e - begin
                        if remaining <= available:
                            return begin + remaining
                        remaining -= available
            day += timedelta(days=1)
            current = datetime.combine(day, time.min, tzinfo=VN_TZ)
        raise ValueError(f"no end of working time found for {start} + {seconds}s")

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Seconds of working time in [start, end]; 0 when ``end`` is not after ``start``."""
        start, end = localize(start), localize(end)
        if end <= start:
            return 0
        first, last = start.date(), end.date()
        total = self._worked_within(first, start, end)
        if last > first:
            total += self._worked_within(last, start, end)
            # Days strictly in between are whole working days or none: count them from the yearly tallies.
            whole_days = self.count_working_days(first + timedelta(days=1), last - timedelta(days=1))
            total += timedelta(seconds=whole_days * self._session_seconds)
        return int(total.total_seconds())

    def _worked_within(self, day: date, start: datetime, end: datetime) -> timedelta:
        total = timedelta()
        if self.is_working_day(day):
            for s, e in self._intervals(day):
                overlap = min(e, end) - max(s, start)
                if overlap > timedelta():
                    total += overlap
        return total

    # ----- due dates --------------------------------------------------------------------------------

    def same_day_due(self, received: datetime) -> datetime:
        """Limit 0 (Civil Status Law art. 5(3), Decree 23/2015 art. 7; DOMAIN.md A "Time rules").

        Received on a working day before the cut-off → closing time that day; from the cut-off on, or on
        a non-working day → closing time of the next working day.
        """
        received = localize(received)
        day = received.date()
        # The closing-time check matters only for an agency that closes before the cut-off.
        if self.is_working_day(day) and received.time() < self.cutoff and received < self.closing_time(day):
            return self.closing_time(day)
        return self.closing_time(self.next_working_day(day))

    def due_at(self, start: datetime, limit: Decimal | int | float | str, unit: str = "working_days") -> datetime:
        """The appointment (ngày hẹn trả) for a dossier received at ``start`` with a legal limit.

        * ``working_days``: limit × 8 working hours from the receipt (0.5 day = 4 hours).
        * ``working_hours``: limit working hours.
        * ``calendar_days``: limit calendar days counted from the receipt — or from the next opening when
          received outside working time, as for working days. When that lands on a non-working day, or
          after the closing time, the appointment is the closing time of the next working day (the
          desk cannot hand anything over on a day it is closed; Civil Code 2015 art. 148 also carries
          a period ending on a day off to the next working day).
        * A limit of 0, whatever the unit, is a same-day service: see ``same_day_due``.
        """
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")
        amount = _as_decimal(limit)
        if amount < 0:
            raise ValueError("limit must not be negative")
        if amount == 0:
            return self.same_day_due(start)
        if unit == TimeUnit.WORKING_DAYS:
            return self.add_working_seconds(start, _to_seconds(amount, self.working_day_seconds))
        if unit == TimeUnit.WORKING_HOURS:
            return self.add_working_seconds(start, _to_seconds(amount, 3600))
        due = self.next_opening(start) + timedelta(seconds=_to_seconds(amount, 86400))
        if self.is_working_day(due.date()) and due <= self.closing_time(due.date()):
            return due
        return self.closing_time(self.next_working_day(due.date()))


# ----- ORM-backed calendars ---------------------------------------------------------------------------

_VERSION_KEY = "dossiers:deadlines:calendar-version"


# How long a process trusts the version it last read. An edit reaches the other processes that much later;
# in exchange a busy page (public tracking counts working days on every request) does not ask Redis each time.
_VERSION_TRUSTED_SECONDS = 1.0
_version_seen: tuple[float, int] | None = None  # (monotonic time of reading, version)


def _calendar_version() -> int | None:
    """The exceptions' version shared by every process; ``None`` when the cache cannot be reached."""
    global _version_seen
    if _version_seen is not None and _time.monotonic() - _version_seen[0] < _VERSION_TRUSTED_SECONDS:
        return _version_seen[1]
    version = _shared_calendar_version()
    _version_seen = (_time.monotonic(), version) if version is not None else None
    return version


def _shared_calendar_version() -> int | None:
    try:
        version = cache.get(_VERSION_KEY)
        if version is None:
            # A fresh value, not 0: after a cache flush no process may mistake its old entries for current.
            cache.add(_VERSION_KEY, _time.time_ns(), timeout=None)
            version = cache.get(_VERSION_KEY)
        return version
    except Exception:  # the cache is an optimisation: a broken Redis must not stop due dates
        logger.warning("calendar cache unavailable; reading calendar exceptions from the database", exc_info=True)
        return None


def _bump_calendar_version() -> None:
    global _version_seen
    _version_seen = None
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # the key is missing (never set, evicted, flushed)
        cache.set(_VERSION_KEY, _time.time_ns(), timeout=None)
    except Exception:
        logger.warning("could not invalidate the calendar cache", exc_info=True)


def _load_exceptions(agency_id: int | None) -> tuple[dict[date, str], dict[date, str]]:
    """(days off, make-up working days) for an agency: the global rows, overridden by the agency's own."""
    rows = CalendarException.objects.filter(Q(agency__isnull=True) | Q(agency_id=agency_id)).values_list(
        "date", "kind", "name", "agency_id"
    )
    chosen: dict[date, tuple[str, str]] = {}
    for day, kind, name, _agency_id in sorted(rows, key=lambda r: r[3] is not None):
        chosen[day] = (kind, name)  # agency rows come last and win
    off = {d: name for d, (kind, name) in chosen.items() if kind == CalendarExceptionKind.DAY_OFF}
    work = {d: name for d, (kind, name) in chosen.items() if kind == CalendarExceptionKind.WORKING_DAY}
    return off, work


def _settings_cutoff() -> time:
    value = getattr(settings, "SAME_DAY_CUTOFF", DEFAULT_CUTOFF)
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _build_calendar(agency_id, sessions, cutoff) -> WorkCalendar:
    off, work = _load_exceptions(agency_id)
    return WorkCalendar(sessions=sessions, days_off=off, extra_working_days=work, cutoff=cutoff)


@lru_cache(maxsize=512)
def _cached_calendar(agency_id, sessions, cutoff, version) -> WorkCalendar:
    return _build_calendar(agency_id, sessions, cutoff)


def calendar_for(agency=None) -> WorkCalendar:
    """The working calendar of ``agency`` (an ``Agency`` or ``None`` for the default sessions).

    Cached per process; the key holds the agency's sessions (an edited Agency takes effect at once) and
    the exceptions' version from the shared cache (bumped whenever a ``CalendarException`` changes).
    """
    if agency is None:
        agency_id, sessions = None, DEFAULT_SESSIONS
    else:
        agency_id = agency.pk
        sessions = ((agency.morning_start, agency.morning_end), (agency.afternoon_start, agency.afternoon_end))
    cutoff = _settings_cutoff()
    version = _calendar_version()
    if version is None:
        return _build_calendar(agency_id, sessions, cutoff)
    return _cached_calendar(agency_id, sessions, cutoff, version)


def clear_calendar_cache() -> None:
    """Forget every cached calendar here and in every other process (the next call reloads the rows)."""
    _cached_calendar.cache_clear()
    _bump_calendar_version()


@receiver(post_save, sender=CalendarException, dispatch_uid="deadlines_exception_saved")
@receiver(post_delete, sender=CalendarException, dispatch_uid="deadlines_exception_deleted")
def _calendar_exception_changed(sender, **kwargs):
    # Now, so this process (and its open transaction) sees the edit at once; and again after commit,
    # in case another process rebuilt its calendar from the old rows in between.
    clear_calendar_cache()
    transaction.on_commit(_bump_calendar_version)


# ----- the functions the rest of the project calls --------------------------------------------------------


def due_at(*, start: datetime, limit: Decimal | int | float, unit: str = "working_days", agency=None) -> datetime:
    return calendar_for(agency).due_at(start, limit, unit)


def add_working_seconds(start: datetime, seconds: int, *, agency=None) -> datetime:
    return calendar_for(agency).add_working_seconds(start, seconds)


def working_seconds_between(a: datetime, b: datetime, *, agency=None) -> int:
    return calendar_for(agency).working_seconds_between(a, b)


def working_days_between(a: date, b: date, *, agency=None) -> tuple[int, list[tuple[date, str]]]:
    return calendar_for(agency).working_days_between(a, b)


def next_opening(moment: datetime, *, agency=None) -> datetime:
    return calendar_for(agency).next_opening(moment)
