"""Realistic data for benchmarks: a province, its catalog, and N dossiers over three years.

    python -m bench generate --dossiers 1000000 [--years 3] [--communes 100] [--seed 2026] [--reset]

What it writes (PostgreSQL: COPY in chunks of ``--chunk`` dossiers, one transaction each; SQLite: plain
multi-row inserts, for small demo sets):

* the agency tree: the province, its Public Administration Service Centre, the departments, ~100
  communes/wards (codes in the QĐ 20/2020 layout), each with a clerk, two specialists and a leader;
* the seed catalog (``procedures.services.load_seed_catalog``), linked to the agencies that receive it
  (commune-level procedures: every commune; the others: the centre, processed by the department of the
  field) with routes pointing there;
* citizen accounts (one per ~25 dossiers) for the online channel;
* dossiers whose volume grows over the years and whose online share grows from ~25 % to ~60 %, with a
  realistic mix of outcomes: refusals, supplements at the desk and during processing (some twice: late by
  the 766 rule), financial obligations for land, extensions with an apology, withdrawals, stops, early /
  on-time / late results, results not yet collected; the recent ones still open in every status;
* their process-control sheet (StepLog), pauses, extensions and the daily code counters, so that
  dossiers created afterwards through the services continue the day's sequence.

Appointments follow the working calendar of dossiers/deadlines.py (holidays included). Working-time sums
for a million dossiers go through ``FastCalendar``, an integer index over the same calendar's working
days and sessions, checked against ``deadlines`` on random samples before any row is written.
Not generated: attachment files, simple-history rows, ratings.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import os
import random
import secrets
import sys
import time
from collections import Counter
from decimal import Decimal

DEFAULT_CHUNK = 50_000
BENCH_PASSWORD = "bench-motcua-2026"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# ----- working time, fast -------------------------------------------------------------------------------------------


class FastCalendar:
    """Working time as integer seconds on one ``deadlines.WorkCalendar`` (bench only, checked against it)."""

    def __init__(self, calendar, first: dt.date, last: dt.date):
        self.calendar = calendar
        self.tz = calendar_tz()
        self.days: list[dt.date] = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)
        self.index = {d: i for i, d in enumerate(self.days)}
        self.ordinals = [d.toordinal() for d in self.days]
        self.sessions = [(_secs(s), _secs(e)) for s, e in calendar.sessions]
        self.day_seconds = sum(e - s for s, e in self.sessions)

    def to_ws(self, moment: dt.datetime) -> int:
        """Working seconds from the first day's opening to ``moment`` (time outside sessions adds nothing)."""
        local = moment.astimezone(self.tz)
        day = local.date()
        i = self.index.get(day)
        if i is None:
            return bisect.bisect_left(self.ordinals, day.toordinal()) * self.day_seconds
        t = local.hour * 3600 + local.minute * 60 + local.second
        into = 0
        for s, e in self.sessions:
            if t <= s:
                break
            into += (t if t < e else e) - s
        return i * self.day_seconds + into

    def from_ws(self, ws: int) -> dt.datetime:
        i, rem = divmod(ws, self.day_seconds)
        if rem == 0 and i > 0:
            i, rem = i - 1, self.day_seconds  # a deadline on a closing time stays that day (deadlines.py)
        day = self.days[i]
        for s, e in self.sessions:
            if rem <= e - s:
                return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(seconds=s + rem)
            rem -= e - s
        raise AssertionError("unreachable")

    def add(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        if seconds <= 0:
            return moment.astimezone(self.tz)
        return self.from_ws(self.to_ws(moment) + int(seconds))

    def between(self, a: dt.datetime, b: dt.datetime) -> int:
        return max(0, self.to_ws(b) - self.to_ws(a))

    def due(self, start: dt.datetime, limit: Decimal | None, unit: str) -> dt.datetime | None:
        if limit is None:
            return None
        if limit == 0 or unit == "calendar_days":
            return self.calendar.due_at(start, limit, unit)  # no loop there: cheap enough
        per = 3600 if unit == "working_hours" else 8 * 3600
        return self.add(start, int(Decimal(limit) * per))

    def check(self, rng: random.Random, samples: int = 3000) -> None:
        """Refuse to run if this index and deadlines.py disagree on any random sample."""
        span = (self.days[-1] - self.days[0]).days - 120
        for _ in range(samples):
            start = dt.datetime.combine(self.days[0] + dt.timedelta(days=rng.randrange(span)), dt.time(),
                                        tzinfo=self.tz) + dt.timedelta(seconds=rng.randrange(86400))
            seconds = rng.choice([0, 1, 1800, 4 * 3600, 8 * 3600, rng.randrange(1, 40 * 8 * 3600)])
            end = start + dt.timedelta(seconds=rng.randrange(30 * 86400))
            limit = Decimal(rng.choice([0, "0.5", 1, 3, 5, 7, 15, 30]))
            pairs = [
                (self.add(start, seconds), self.calendar.add_working_seconds(start, seconds)),
                (self.between(start, end), self.calendar.working_seconds_between(start, end)),
                (self.due(start, limit, "working_days"), self.calendar.due_at(start, limit, "working_days")),
            ]
            for fast, slow in pairs:
                if fast != slow:
                    raise AssertionError(f"FastCalendar disagrees with deadlines.py at {start} (+{seconds}s, "
                                         f"{end}, {limit} days): {fast} != {slow}")


def _secs(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def calendar_tz():
    from dossiers.deadlines import VN_TZ

    return VN_TZ


# ----- the province --------------------------------------------------------------------------------------------------

PROVINCE = ("000.00.00.H56", "UBND tỉnh Thanh Hóa")
CENTRE = ("000.00.06.H56", "Trung tâm Phục vụ hành chính công tỉnh")
DEPARTMENTS = [
    ("000.00.04.H56", "Sở Tài chính"),
    ("000.00.15.H56", "Sở Tư pháp"),
    ("000.00.18.H56", "Sở Y tế"),
    ("000.00.19.H56", "Sở Nông nghiệp và Môi trường"),
    ("000.00.21.H56", "Sở Xây dựng"),
    ("000.00.23.H56", "Sở Nội vụ"),
    ("000.00.25.H56", "Công an tỉnh"),
    ("000.00.27.H56", "Văn phòng Đăng ký đất đai"),
]
DEPARTMENT_BY_FIELD = {
    "Đất đai": "000.00.27.H56",
    "Đăng ký biện pháp bảo đảm": "000.00.27.H56",
    "Giảm nghèo": "000.00.19.H56",
    "Hộ tịch": "000.00.15.H56",
    "Chứng thực": "000.00.15.H56",
    "Hòa giải ở cơ sở": "000.00.15.H56",
    "Bảo trợ xã hội": "000.00.18.H56",
    "Bảo hiểm y tế": "000.00.18.H56",
    "Căn cước": "000.00.25.H56",
    "Đăng ký, quản lý cư trú": "000.00.25.H56",
    "Thành lập và hoạt động của hộ kinh doanh": "000.00.04.H56",
}
# How often each field's procedures are asked for (certified copies and civil status dominate a desk's day).
FIELD_WEIGHT = {"Chứng thực": 30, "Hộ tịch": 22, "Đất đai": 18, "Đăng ký, quản lý cư trú": 10, "Bảo trợ xã hội": 6,
                "Căn cước": 5}
COMMUNE_PREFIXES = ["phường", "xã"]
PLACE_NAMES = [
    "Hạc Thành", "Hàm Rồng", "Sầm Sơn", "Bỉm Sơn", "Nghi Sơn", "Đông Sơn", "Quảng Xương", "Hoằng Hóa", "Hậu Lộc",
    "Nga Sơn", "Hà Trung", "Vĩnh Lộc", "Thạch Thành", "Cẩm Thủy", "Ngọc Lặc", "Lang Chánh", "Bá Thước",
    "Quan Hóa", "Quan Sơn", "Mường Lát", "Thường Xuân", "Như Xuân", "Như Thanh", "Nông Cống", "Triệu Sơn",
    "Thọ Xuân", "Yên Định", "Thiệu Hóa", "Tĩnh Gia", "Đông Vệ", "Quảng Phú", "Nam Sầm Sơn", "Trường Lâm",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Trịnh", "Mai", "Đào", "Lưu"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Xuân", "Hồng", "Anh", "Đình"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngọc", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
         "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến"]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def mobile(rng: random.Random) -> str:
    return f"0{rng.choice('35789')}{rng.randrange(10**8):08d}"


def cccd(rng: random.Random) -> str:
    # 038 = Thanh Hóa; sex + century (0/1: born 1900–1999, 2/3: 2000–2099); birth year; six random digits.
    if rng.random() < 0.9:
        return f"038{rng.choice('01')}{rng.randrange(40, 100):02d}{rng.randrange(10**6):06d}"
    return f"038{rng.choice('23')}{rng.randrange(0, 8):02d}{rng.randrange(10**6):06d}"


def build_province(n_communes: int, rng: random.Random):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import Agency, AgencyKind, User
    from accounts.roles import Role
    from accounts.services import ensure_role_groups

    ensure_role_groups()
    groups = {g.name: g for g in Group.objects.all()}

    def agency(code, name, kind, parent):
        obj, _ = Agency.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "parent": parent,
                                                                      "is_active": True})
        return obj

    province = agency(*PROVINCE, AgencyKind.PROVINCE, None)
    centre = agency(*CENTRE, AgencyKind.DEPARTMENT, province)
    departments = {code: agency(code, name, AgencyKind.DEPARTMENT, province) for code, name in DEPARTMENTS}
    communes = []
    for i in range(1, n_communes + 1):
        place = PLACE_NAMES[(i - 1) % len(PLACE_NAMES)]
        suffix = "" if i <= len(PLACE_NAMES) else f" {(i - 1) // len(PLACE_NAMES) + 1}"
        kind_word = COMMUNE_PREFIXES[0] if i % 4 == 1 else COMMUNE_PREFIXES[1]
        communes.append(agency(f"000.{20 + i // 100:02d}.{i % 100:02d}.H56", f"UBND {kind_word} {place}{suffix}",
                               AgencyKind.COMMUNE, province))

    password = make_password(BENCH_PASSWORD)
    staff: dict[int, dict[str, list[int]]] = {}
    existing = {u.username: u for u in User.objects.filter(username__startswith="bench.")}
    new_users, memberships = [], []
    for a in [province, centre, *departments.values(), *communes]:
        wanted = [(Role.CLERK, 2 if a == centre else 1), (Role.SPECIALIST, 2), (Role.LEADER, 1)]
        for role, count in wanted:
            for k in range(1, count + 1):
                username = f"bench.{a.code}.{role}.{k}"
                if username not in existing:
                    user = User(username=username, full_name=person_name(rng), agency=a, password=password,
                                email=f"{username}@thanhhoa.gov.vn")
                    new_users.append((user, role))
    User.objects.bulk_create([u for u, _ in new_users], batch_size=2000)
    for user, role in new_users:
        memberships.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
    User.groups.through.objects.bulk_create(memberships, batch_size=5000, ignore_conflicts=True)
    for user in User.objects.filter(username__startswith="bench.").prefetch_related("groups"):
        for g in user.groups.all():
            staff.setdefault(user.agency_id, {}).setdefault(g.name, []).append(user.pk)
    return province, centre, departments, communes, staff


def build_citizens(count: int, rng: random.Random) -> list[tuple[int, str, str, str]]:
    """(id, name, phone, cccd) of ``count`` citizen accounts (created once, reused by later runs)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role

    have = list(User.objects.filter(username__startswith="bench-citizen-").values_list(
        "pk", "full_name", "phone", "cccd"))
    if len(have) >= count:
        return have[:count]
    password = make_password(BENCH_PASSWORD)
    group = Group.objects.get(name=Role.CITIZEN)
    taken = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    taken_ids = set(User.objects.exclude(cccd=None).values_list("cccd", flat=True))
    users = []
    for i in range(len(have), count):
        phone = mobile(rng)
        while phone in taken:
            phone = mobile(rng)
        taken.add(phone)
        number = cccd(rng)
        while number in taken_ids:
            number = cccd(rng)
        taken_ids.add(number)
        users.append(User(username=f"bench-citizen-{i}", full_name=person_name(rng), phone=phone, cccd=number,
                          password=password, identity_verified=rng.random() < 0.7))
    for start in range(0, len(users), 5000):
        batch = User.objects.bulk_create(users[start:start + 5000])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in batch])
    return list(User.objects.filter(username__startswith="bench-citizen-").values_list(
        "pk", "full_name", "phone", "cccd"))[:count]


def build_catalog(centre, departments, communes):
    """The seed catalog, linked to the agencies that receive it, with routes through the department."""
    from procedures.models import Level, Procedure, RouteStep

    try:
        from procedures.services import load_seed_catalog
    except ImportError:  # the catalog workstream not merged yet: a small generated catalog instead
        load_seed_catalog = None
    if load_seed_catalog is not None:
        load_seed_catalog()
    if not Procedure.objects.filter(current_version__isnull=False).exists():
        _small_catalog()
    procedures = []
    for p in Procedure.objects.filter(is_active=True, current_version__isnull=False).select_related("field"):
        cases = list(p.current_version.cases.all())
        if not cases:
            continue
        if p.level == Level.COMMUNE:
            receiving = communes
            processing = None
        else:
            receiving = [centre]
            processing = departments.get(DEPARTMENT_BY_FIELD.get(p.field.name, ""), centre)
            RouteStep.objects.filter(case__in=cases, role__in=["specialist", "leader"]).update(agency=processing)
        p.agencies.set(receiving)
        weight = FIELD_WEIGHT.get(p.field.name, 3)
        procedures.append({
            "id": p.pk, "online": p.is_online and p.accepts_online, "land": p.field.name == "Đất đai",
            "fee": p.fee_vnd, "commune": p.level == Level.COMMUNE, "processing": processing, "weight": weight,
            "cases": [(c.pk, c.version_id, c.time_limit, c.time_unit, c.fee_vnd) for c in cases],
            "summary": p.name[:200],
        })
    return procedures


def _small_catalog():
    from procedures.models import Field, Level, OnlineLevel, Procedure, ProcedureCase, ProcedureVersion

    field, _ = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})
    for i, (name, days, level) in enumerate([("Đăng ký khai sinh", 0, Level.COMMUNE),
                                             ("Đăng ký kết hôn", 5, Level.COMMUNE),
                                             ("Cấp phiếu lý lịch tư pháp", 10, Level.PROVINCE)], start=1):
        p, created = Procedure.objects.get_or_create(code=f"9.00000{i}", defaults={
            "name": name, "field": field, "level": level, "online_level": OnlineLevel.PARTIAL,
            "accepts_online": True, "fee_vnd": 0})
        if created:
            v = ProcedureVersion.objects.create(procedure=p, decision_number="QĐ mẫu")
            ProcedureCase.objects.create(version=v, legal_time=days)
            p.current_version = v
            p.save(update_fields=["current_version"])


# ----- one dossier's life ------------------------------------------------------------------------------------------


class Life:
    """Draws the life of each dossier and emits its rows. All randomness from one seeded generator."""

    def __init__(self, *, rng, cal, now, procedures, centre, communes, staff, citizens, sequences):
        self.rng, self.cal, self.now, self.staff = rng, cal, now, staff
        self.now_ws = cal.to_ws(now)
        self.procedures = procedures
        self.weights = list(itertools.accumulate(p["weight"] for p in procedures))
        self.centre, self.communes = centre, communes
        # Busy urban wards and quiet mountain communes: a Zipf-like share of the commune dossiers.
        self.commune_weights = list(itertools.accumulate(1 / (i + 1) ** 0.7 for i in range(len(communes))))
        self.citizens = citizens
        self.sequences = sequences  # (agency id, day) → last number, shared across chunks
        self.stats = Counter()

    def person(self, role: str, agency_id: int) -> int | None:
        people = self.staff.get(agency_id, {}).get(role)
        return self.rng.choice(people) if people else None

    def code(self, agency, moment) -> str:
        day = moment.astimezone(self.cal.tz).date()
        key = (agency.id, day)
        self.sequences[key] = self.sequences.get(key, 0) + 1
        return f"{agency.code}-{day:%y%m%d}-{self.sequences[key]:04d}"

    def draw(self, dossier_id: int, moment: dt.datetime, year_share: float):
        """One dossier submitted around ``moment``; ``year_share`` (0 → 1) is how far into the period it is."""
        rng, cal = self.rng, self.cal
        p = self.procedures[bisect.bisect_left(self.weights, rng.random() * self.weights[-1])]
        case_id, version_id, limit, unit, case_fee = rng.choice(p["cases"])
        if p["commune"]:
            receiving = self.communes[bisect.bisect_left(self.commune_weights,
                                                         rng.random() * self.commune_weights[-1])]
            processing = receiving
        else:
            receiving, processing = self.centre, p["processing"] or self.centre
        online = p["online"] and rng.random() < 0.25 + 0.35 * year_share
        channel = "online" if online else ("postal" if rng.random() < 0.05 else "desk")
        submitted = moment if online and rng.random() < 0.3 else _working_moment(rng, cal, moment)
        if submitted > self.now:
            submitted = moment
        steps, pauses, extensions = [], [], []
        clerk = self.person("clerk", receiving.id)
        specialist = self.person("specialist", processing.id)
        leader = self.person("leader", processing.id)
        owner = self.citizens[rng.randrange(len(self.citizens))] if online else None
        d = {
            "id": dossier_id, "procedure_id": p["id"], "channel": channel, "receiving_agency_id": receiving.id,
            "current_agency_id": receiving.id, "submitted_at": submitted, "created_at": submitted,
            "updated_at": submitted, "tracking_token": secrets.token_urlsafe(16),
            "delivery": "postal" if channel == "postal" or rng.random() < 0.08 else "desk",
            "summary": p["summary"], "time_unit": unit, "paid_online": False, "is_digitised": False,
            "supplement_count": 0, "processing_supplement_count": 0,
        }
        if owner:
            d.update(submitted_by_id=owner[0], applicant_name=owner[1], applicant_phone=owner[2],
                     applicant_id_number=owner[3] or "")
        else:
            d.update(applicant_name=person_name(rng), applicant_phone=mobile(rng), applicant_id_number=cccd(rng),
                     filed_by_id=clerk)
        d["applicant_id_type"] = "cccd"
        d["applicant_address"] = f"Thôn {rng.randrange(1, 15)}, {receiving.name.replace('UBND ', '')}"

        def step(action, frm, to, at, by, *, to_user=None, from_agency=None, to_agency=None, facts=None, note=""):
            steps.append((dossier_id, action, frm, to, by, to_user, from_agency or d["current_agency_id"],
                          to_agency or d["current_agency_id"], at, None, note, json.dumps(facts) if facts else "{}"))

        if online:
            d["code"] = self.code(receiving, submitted)
            d["confirm_due_at"] = cal.add(submitted, 8 * 3600)
            step("submit", "draft", "submitted", submitted, owner[0])
            received = cal.add(submitted, rng.randrange(900, 8 * 3600))
        else:
            received = submitted
            step("submit", "draft", "submitted", submitted, clerk)
        status = "submitted"

        def finish(state, at):
            d["status"], d["completed_at"], d["substep"], d["assignee_id"] = state, at, "", None
            return d, steps, pauses, extensions

        if received > self.now:
            self.stats["submitted"] += 1
            d.update(status="submitted", substep="")
            return d, steps, pauses, extensions
        if rng.random() < 0.03:  # refused at the desk (wrong authority, not eligible); a walk-in gets no code
            d["outcome_reason"] = "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan"
            d["outcome_legal_basis"] = "Điều 19 Nghị định 118/2025/NĐ-CP"
            step("refuse", status, "refused", received, clerk)
            self.stats["refused"] += 1
            return finish("refused", received)
        if online and rng.random() < 0.05:  # supplement asked before receipt
            back = cal.add(received, rng.randrange(4 * 3600, 5 * 8 * 3600))
            items = [{"document": "Giấy tờ tùy thân", "reason": "Bản chụp không rõ số giấy tờ"}]
            d["supplement_count"] = 1
            step("request_supplement", "submitted", "supplement", received, clerk, facts={"items": items})
            if back > self.now:
                pauses.append((dossier_id, received, None, True, json.dumps(items), clerk))
                d["paused_at"] = received
                self.stats["supplement_at_reception"] += 1
                d.update(status="supplement", substep="")
                return d, steps, pauses, extensions
            pauses.append((dossier_id, received, back, True, json.dumps(items), clerk))
            step("complete_supplement", "supplement", "submitted", back, owner[0])
            received = back
        # Received: the appointment is frozen from the case.
        if not d.get("code"):
            d["code"] = self.code(receiving, received)
        due = cal.due(received, limit, unit)
        d.update(received_at=received, received_by_id=clerk, case_id=case_id, procedure_version_id=version_id,
                 time_limit=limit, due_at=due, original_due_at=due, fee_due_vnd=case_fee if case_fee is not None
                 else p["fee"], is_digitised=online or rng.random() < 0.6)
        step("receive", status, "received", received, clerk, from_agency=receiving.id, to_agency=processing.id,
             facts={"code": d["code"]})
        d["current_agency_id"] = processing.id
        allowed = cal.between(received, due) if due else 5 * 8 * 3600
        allowed = max(allowed, 3600)
        roll = rng.random()
        factor = (rng.uniform(0.25, 0.95) if roll < 0.72 else rng.uniform(0.95, 1.0) if roll < 0.88
                  else rng.uniform(1.0, 1.9))
        work = int(allowed * factor)
        # Events along the way, as offsets of working time from receipt.
        # Events along the way, as offsets of working time from receipt, one after the other: the
        # assignment, up to two supplement pauses (the clock stops), a financial obligation (it does not).
        assign_at = int(work * rng.uniform(0.03, 0.12))
        events, cursor, paused_total = [], assign_at, 0
        if rng.random() < 0.08:
            n = 2 if rng.random() < 0.12 else 1  # a second request counts the dossier as late (766)
            for _k in range(n):
                start = max(cursor + 600, int(work * rng.uniform(0.2, 0.6)) + paused_total)
                length = rng.randrange(8 * 3600, 10 * 8 * 3600)
                events.append(("supplement", start, length))
                cursor, paused_total = start + length, paused_total + length
        if p["land"] and rng.random() < 0.3:
            start = max(cursor + 600, int(work * rng.uniform(0.5, 0.7)) + paused_total)
            length = rng.randrange(3600, 3 * 28800)
            events.append(("financial", start, length))
            cursor = start + length
        end = max(work + paused_total, cursor + 3600)
        t0 = cal.to_ws(received)
        fate = rng.random()
        stop_at = None
        if fate < 0.02:
            stop_at = int(end * rng.uniform(0.1, 0.9))
            for _kind, start, length in events:
                if start <= stop_at <= start + length:
                    stop_at = start + length + 600  # decided once the pause or payment is over

        def at(offset):
            return cal.from_ws(t0 + offset) if offset > 0 else received

        # assignment
        if t0 + assign_at > self.now_ws:
            d.update(status="received", substep="", step_due_at=None)
            self.stats["received"] += 1
            return d, steps, pauses, extensions
        step("assign", "received", "processing", at(assign_at), leader, to_user=specialist)
        d.update(status="processing", substep="assigned", assignee_id=specialist)
        status = "processing"
        for kind, start, length in sorted(events, key=lambda e: e[1]):
            if stop_at is not None and start > stop_at:
                break
            if t0 + start > self.now_ws:
                break
            if kind == "supplement":
                items = [{"document": "Bản vẽ sơ đồ thửa đất" if p["land"] else "Tờ khai",
                          "reason": "Thông tin chưa khớp với hồ sơ gốc"}]
                d["supplement_count"] += 1
                d["processing_supplement_count"] += 1
                step("request_supplement", "processing", "supplement", at(start), specialist,
                     facts={"items": items, "counts_as_late": d["processing_supplement_count"] > 1})
                if t0 + start + length > self.now_ws:
                    pauses.append((dossier_id, at(start), None, False, json.dumps(items), specialist))
                    d.update(status="supplement", paused_at=at(start))
                    self.stats["supplement"] += 1
                    return d, steps, pauses, extensions
                pauses.append((dossier_id, at(start), at(start + length), False, json.dumps(items), specialist))
                step("complete_supplement", "supplement", "processing", at(start + length),
                     owner[0] if owner else clerk, facts={"paused_working_seconds": length})
                if d["due_at"]:
                    d["due_at"] = cal.add(d["due_at"], length)
                    d["original_due_at"] = cal.add(d["original_due_at"], length)
            else:
                step("request_financial", "processing", "financial", at(start), specialist,
                     facts={"amount_vnd": rng.randrange(5, 200) * 100_000})
                if t0 + start + length > self.now_ws:
                    d["status"] = "financial"
                    self.stats["financial"] += 1
                    return d, steps, pauses, extensions
                step("complete_financial", "financial", "processing", at(start + length), clerk)
        if stop_at is not None:
            if t0 + stop_at > self.now_ws:
                self.stats["processing"] += 1
                return d, steps, pauses, extensions
            if fate < 0.013:
                d["outcome_reason"] = "Công dân đề nghị rút hồ sơ"
                step("withdraw", status, "withdrawn", at(stop_at), owner[0] if owner else clerk)
                self.stats["withdrawn"] += 1
                return finish("withdrawn", at(stop_at))
            d["outcome_reason"] = "Công dân không bổ sung hồ sơ theo yêu cầu"
            step("stop", status, "stopped", at(stop_at), leader)
            self.stats["stopped"] += 1
            return finish("stopped", at(stop_at))
        # Late ones often get an apology and a new appointment before the old one passes.
        if d["due_at"] and end > cal.between(received, d["due_at"]) and rng.random() < 0.35:
            asked = cal.from_ws(max(t0 + 1, cal.to_ws(d["due_at"]) - 4 * 3600))
            if asked <= self.now:
                new_due = cal.add(at(end), rng.randrange(0, 3 * 28800) + 3600)
                extensions.append((dossier_id, "apology", d["due_at"], new_due, "Cần xác minh thêm thông tin",
                                   processing.id, leader, asked))
                step("extend", status, status, asked, leader, facts={"new_due_at": new_due.isoformat()})
                d["due_at"] = new_due
        approval = cursor + int((end - cursor) * rng.uniform(0.4, 0.9))
        if t0 + approval > self.now_ws:
            self.stats["processing"] += 1
            return d, steps, pauses, extensions
        d["result_summary"] = "Đủ điều kiện giải quyết"
        step("send_for_approval", "processing", "processing", at(approval), specialist, to_user=leader)
        d["substep"] = "awaiting_approval"
        if t0 + end > self.now_ws:
            self.stats["awaiting_approval"] += 1
            return d, steps, pauses, extensions
        done = at(end)
        step("approve", "processing", "result_ready", done, leader)
        d.update(status="result_ready", completed_at=done, substep="", assignee_id=None)
        if d["fee_due_vnd"]:
            d.update(fee_paid_vnd=d["fee_due_vnd"], fee_receipt_number=f"BL{dossier_id:09d}", fee_paid_at=done,
                     paid_online=online and rng.random() < 0.4)
        collected = cal.add(done, rng.randrange(600, 5 * 28800)) if rng.random() > 0.015 else None
        if collected is None or collected > self.now:
            self.stats["result_ready"] += 1
            return d, steps, pauses, extensions
        if d["delivery"] == "postal":
            d["postal_tracking_number"] = f"EL{rng.randrange(10**9):09d}VN"
        else:
            d["collected_by_name"] = d["applicant_name"]
        d.update(status="returned", returned_at=collected)
        step("return_result", "result_ready", "returned", collected, clerk, to_agency=receiving.id)
        self.stats["returned"] += 1
        self.stats["late"] += bool(d["original_due_at"] and done > d["original_due_at"])
        return d, steps, pauses, extensions


# ----- writing ---------------------------------------------------------------------------------------------------


class Writer:
    """COPY on PostgreSQL; plain inserts elsewhere (small demo sets on SQLite)."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.superuser: bool | None = None

    def fast_load(self) -> None:
        """Skip the per-row foreign-key triggers for this transaction (PostgreSQL superuser only): the rows
        are generated against ids just read from the database, and checking 50 million references one by
        one would take most of the run. Without the privilege the load is just slower."""
        if not self.postgres or self.superuser is False:
            return
        with self.connection.cursor() as cursor:
            if self.superuser is None:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.superuser = bool(cursor.fetchone()[0])
            if self.superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def columns(self, model, attnames):
        return [model._meta.get_field(a).column for a in attnames]

    def write(self, model, attnames: list[str], rows) -> int:
        if not rows:
            return 0
        table = model._meta.db_table
        cols = self.columns(model, attnames)
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols))
                cursor.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({marks})',
                                   [tuple(self._sqlite(v) for v in row) for row in rows])
        return len(rows)

    @staticmethod
    def _sqlite(value):
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, Decimal | dt.date):
            return str(value)
        return value


def dossier_columns():
    from dossiers.models import Dossier

    fields = [f for f in Dossier._meta.concrete_fields]
    defaults = {}
    for f in fields:
        if f.has_default() and not callable(f.default):
            defaults[f.attname] = f.default
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    return [f.attname for f in fields], defaults


# ----- the run ----------------------------------------------------------------------------------------------------


def _submission_moments(rng, cal, start, now, n, growth=0.5):
    """n submission moments between start and now, sorted, volume growing over time; desk and postal
    dossiers arrive in working hours, online ones at any hour (most in the daytime)."""
    span = (now - start).total_seconds()
    moments = []
    for _ in range(n):
        u = rng.random()
        x = (-1 + math.sqrt(1 + growth * (2 + growth) * u)) / growth if growth else u  # linear density ↑
        moments.append(start + dt.timedelta(seconds=x * span))
    moments.sort()
    return moments


def generate(*, dossiers: int, years: float = 3, communes: int = 100, seed: int = 2026, chunk: int = DEFAULT_CHUNK,
             reset: bool = False, summary: bool = True, out=sys.stdout) -> dict:
    _setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from dossiers.deadlines import calendar_for
    from dossiers.models import DailySequence, Dossier

    rng = random.Random(seed)
    began = time.perf_counter()
    now = timezone.now().astimezone(calendar_tz())
    start = now - dt.timedelta(days=int(365.25 * years))
    writer = Writer(connection)

    if reset:
        _reset(connection, out)
    cal = FastCalendar(calendar_for(None), start.date() - dt.timedelta(days=30),
                       now.date() + dt.timedelta(days=3 * 365))
    cal.check(random.Random(seed))

    with transaction.atomic():
        _province, centre, departments, commune_list, staff = build_province(communes, rng)
        procedures = build_catalog(centre, departments, commune_list)
        citizens = build_citizens(max(50, dossiers // 25), rng)
    out.write(f"Tỉnh: {2 + len(departments) + len(commune_list)} cơ quan, {len(procedures)} thủ tục, "
              f"{len(citizens)} công dân ({time.perf_counter() - began:.1f} s)\n")

    sequences = dict(((a, d), last) for a, d, last in DailySequence.objects.values_list("agency_id", "day", "last"))
    touched: set[tuple[int, dt.date]] = set()
    life = Life(rng=rng, cal=cal, now=now, procedures=procedures, centre=centre, communes=commune_list,
                staff=staff, citizens=citizens, sequences=sequences)
    attnames, defaults = dossier_columns()
    first_id = (Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    moments = _submission_moments(rng, cal, start, now, dossiers)
    totals = Counter()
    # A big load into a small table: maintaining 30 secondary indexes row by row costs more than building
    # them once at the end (the unique constraints stay: they guard the codes while loading).
    rebuild_indexes = writer.postgres and dossiers >= max(100_000, first_id)
    dropped = _drop_secondary_indexes(connection, LOADED_TABLES, out) if rebuild_indexes else []
    try:
        _load(writer, life, moments, start, now, chunk, first_id, attnames, defaults, touched, totals, out)
    finally:
        _create_indexes(connection, dropped, out)

    with transaction.atomic():
        _store_sequences(DailySequence, sequences, touched)
        if writer.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), "
                               "(SELECT COALESCE(MAX(id), 1) FROM dossiers_dossier))")
    if writer.postgres:
        # What autovacuum does after a bulk load: statistics, and the visibility map that lets the inbox
        # count from its covering index alone. VACUUM cannot run inside a transaction (a test's, say).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} dossiers_dossier, dossiers_steplog, dossiers_pause")
    written = time.perf_counter() - began
    summary_seconds = None
    if summary:
        summary_seconds = _rebuild_summary(start.date(), now.date(), out)
    result = {"dossiers": totals["dossiers"], "steps": totals["steps"], "pauses": totals["pauses"],
              "extensions": totals["extensions"], "seconds": round(written, 1),
              "summary_seconds": summary_seconds, "statuses": dict(life.stats)}
    out.write(f"Xong: {totals['dossiers']:,} hồ sơ, {totals['steps']:,} bước, {totals['pauses']:,} lần tạm dừng, "
              f"{totals['extensions']:,} gia hạn trong {written:.1f} s"
              f"{'' if summary_seconds is None else f' (+ bảng tổng hợp {summary_seconds:.1f} s)'}\n")
    out.write("Trạng thái: " + ", ".join(f"{k} {v:,}" for k, v in sorted(life.stats.items())) + "\n")
    return result


STEP_COLUMNS = ["dossier_id", "action", "from_status", "to_status", "by_id", "to_user_id", "from_agency_id",
                "to_agency_id", "at", "step_due_at", "note", "facts"]
PAUSE_COLUMNS = ["dossier_id", "started_at", "ended_at", "at_reception", "items", "requested_by_id"]
EXTENSION_COLUMNS = ["dossier_id", "kind", "previous_due_at", "new_due_at", "reason", "responsible_agency_id",
                     "created_by_id", "created_at"]
LOADED_TABLES = ["dossiers_dossier", "dossiers_steplog", "dossiers_pause", "dossiers_extension"]


def _load(writer, life, moments, start, now, chunk, first_id, attnames, defaults, touched, totals, out):
    from django.db import transaction

    from dossiers.models import Dossier, Extension, Pause, StepLog

    step_cols, pause_cols, ext_cols = STEP_COLUMNS, PAUSE_COLUMNS, EXTENSION_COLUMNS
    dossiers = len(moments)
    for offset in range(0, dossiers, chunk):
        t = time.perf_counter()
        rows, steps, pauses, exts = [], [], [], []
        for i, moment in enumerate(moments[offset:offset + chunk], start=offset):
            share = (moment - start) / (now - start)
            d, s, p, e = life.draw(first_id + i, moment, share)
            if d.get("code"):
                touched.add((d["receiving_agency_id"], _code_day(d["code"])))
            rows.append(tuple(d.get(a, defaults[a]) for a in attnames))
            steps.extend(s)
            pauses.extend(p)
            exts.extend(e)
        drawn = time.perf_counter() - t
        with transaction.atomic():
            writer.fast_load()
            writer.write(Dossier, attnames, rows)
            writer.write(StepLog, step_cols, steps)
            writer.write(Pause, pause_cols, pauses)
            writer.write(Extension, ext_cols, exts)
        totals.update(dossiers=len(rows), steps=len(steps), pauses=len(pauses), extensions=len(exts))
        out.write(f"  {offset + len(rows):>9,} hồ sơ · {len(steps):,} bước · sinh {drawn:.1f} s, "
                  f"ghi {time.perf_counter() - t - drawn:.1f} s\n")
        out.flush()


def _drop_secondary_indexes(connection, tables, out) -> list[str]:
    """Drop the tables' plain indexes (not primary keys nor unique constraints); return their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    out.write(f"  Tạm bỏ {len(found)} chỉ mục phụ trong lúc nạp.\n")
    return [definition for _name, definition in found]


def _create_indexes(connection, definitions, out) -> None:
    if not definitions:
        return
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
                "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1))
    out.write(f"  Dựng lại {len(definitions)} chỉ mục: {time.perf_counter() - t:.1f} s\n")


def _working_moment(rng, cal, moment):
    """Desk hours: a moment on a day off or at night moves into the next session."""
    local = moment.astimezone(cal.tz)
    opening = cal.calendar.next_opening(local)
    if opening == local:
        return local
    # The next session's opening plus a random part of the morning, as queues form.
    return opening + dt.timedelta(seconds=rng.randrange(0, 4 * 3600))


def _code_day(code: str) -> dt.date:
    part = code.rsplit("-", 2)[1]
    return dt.date(2000 + int(part[:2]), int(part[2:4]), int(part[4:6]))


def _store_sequences(model, sequences, touched):
    from django.db.models import F
    from django.db.models.functions import Greatest

    existing = set(model.objects.filter(day__gte=min((d for _, d in touched), default=dt.date.today()))
                   .values_list("agency_id", "day"))
    new = [model(agency_id=a, day=d, last=sequences[(a, d)]) for a, d in touched if (a, d) not in existing]
    model.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
    for a, d in touched & existing:
        model.objects.filter(agency_id=a, day=d).update(last=Greatest(F("last"), sequences[(a, d)]))


def _rebuild_summary(first, last, out):
    try:
        from dashboard.summary import rebuild
    except ImportError:
        return None
    t = time.perf_counter()
    rebuild(first, last)
    return round(time.perf_counter() - t, 1)


def _reset(connection, out):
    tables = ["dossiers_dossier", "dossiers_dailysequence"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        from dossiers.models import DailySequence, Dossier

        Dossier.objects.all().delete()
        DailySequence.objects.all().delete()
    out.write("Đã xóa toàn bộ hồ sơ cũ (--reset).\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generate", description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=int(os.environ.get("BENCH_DOSSIERS", 100_000)))
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    parser.add_argument("--reset", action="store_true",
                        help="xóa mọi hồ sơ (và dữ liệu phụ thuộc) trước khi sinh — chỉ dùng cho CSDL thử tải")
    parser.add_argument("--if-fewer", action="store_true",
                        help="không sinh gì nếu CSDL đã có ít nhất --dossiers hồ sơ")
    parser.add_argument("--no-summary", action="store_true", help="không dựng lại bảng tổng hợp của dashboard")
    args = parser.parse_args(argv)
    if args.dossiers < 1:
        parser.error("--dossiers phải lớn hơn 0")
    if args.if_fewer:
        _setup_django()
        from dossiers.models import Dossier

        have = Dossier.objects.count()
        if have >= args.dossiers:
            print(f"CSDL đã có {have:,} hồ sơ — không sinh thêm.")
            return 0
    generate(dossiers=args.dossiers, years=args.years, communes=args.communes, seed=args.seed, chunk=args.chunk,
             reset=args.reset, summary=not args.no_summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
