"""A small province for the dashboard tests, and a way to live a dossier's life at chosen moments.

    Tỉnh Thử Nghiệm (province)
    ├── UBND xã An Bình (commune A) — clerk, specialist, leader
    └── UBND xã Bình Minh (commune B) — clerk, specialist, leader

Every action goes through the real services at a moment set with time-machine, and the after-commit
callbacks run (the workflow's signal, the summary's refresh) as they do in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext  # noqa: F401 (re-exported for tests)

from accounts.models import Agency, AgencyKind, User
from accounts.roles import Role
from dossiers import services
from dossiers.models import Dossier
from procedures.models import Procedure
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> dt.datetime:
    """at(2026, 3, 2, 9, 0) → an aware moment in Vietnam's time."""
    return dt.datetime(*args, tzinfo=VN)


@dataclass
class Commune:
    agency: Agency
    clerk: User
    specialist: User
    leader: User


@dataclass
class Province:
    province: Agency
    a: Commune
    b: Commune
    leader: User           # the province's leader: sees both communes
    birth: Procedure       # 5 working days, no fee
    land: Procedure        # 10 working days, a fee; another field
    same_day: Procedure    # same-day service (limit 0)


def _commune(code: str, name: str, province: Agency) -> Commune:
    agency = AgencyFactory(code=code, name=name, kind=AgencyKind.COMMUNE, parent=province)
    return Commune(
        agency=agency,
        clerk=UserFactory(role=Role.CLERK, agency=agency),
        specialist=UserFactory(role=Role.SPECIALIST, agency=agency),
        leader=UserFactory(role=Role.LEADER, agency=agency),
    )


@pytest.fixture
def province(db, settings) -> Province:
    settings.NOTIFY_EMAIL = False  # the citizen notifications are not what these tests are about
    settings.NOTIFY_SMS = "off"
    settings.NOTIFY_ZALO = "off"
    cache.clear()  # the public page caches its numbers; a previous run must not answer for this one
    root = AgencyFactory(code="000.00.00.H98", name="UBND tỉnh Thử Nghiệm", kind=AgencyKind.PROVINCE)
    a = _commune("000.20.01.H98", "UBND xã An Bình", root)
    b = _commune("000.20.02.H98", "UBND xã Bình Minh", root)
    civil = FieldFactory(code="ho-tich", name="Hộ tịch")
    land_field = FieldFactory(code="dat-dai", name="Đất đai")
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=civil)
    land = ProcedureFactory(code="1.012345", name="Đăng ký biến động đất đai", field=land_field, fee_vnd=50_000,
                            with_case__time_limit=Decimal(10))
    same_day = ProcedureFactory(code="2.000815", name="Chứng thực bản sao từ bản chính", field=civil,
                                with_case__time_limit=Decimal(0))
    case = land.current_version.cases.get()
    case.fee_vnd = 50_000
    case.save(update_fields=["fee_vnd"])
    for procedure in (birth, land, same_day):
        procedure.agencies.add(a.agency, b.agency)
    return Province(province=root, a=a, b=b, leader=UserFactory(role=Role.LEADER, agency=root), birth=birth,
                    land=land, same_day=same_day)


_applicants = itertools.count(1)


class Life:
    """Drives dossiers through the services at given moments, running the after-commit callbacks."""

    def __init__(self, capture):
        self._capture = capture

    @contextmanager
    def moment(self, when: dt.datetime):
        with time_machine.travel(when, tick=False), self._capture(execute=True):
            yield

    def intake(self, commune: Commune, procedure: Procedure, when: dt.datetime, *, channel="desk") -> Dossier:
        n = next(_applicants)
        with self.moment(when):
            return services.desk_intake(procedure=procedure, by=commune.clerk, channel=channel, applicant={
                "name": f"Nguyễn Văn Thống Kê {n}", "id_type": "cccd", "id_number": f"038190{n:06d}",
                "phone": f"09{n:08d}", "address": "Xã An Bình"})

    def receive(self, commune: Commune, procedure: Procedure, when: dt.datetime, *, channel="desk") -> Dossier:
        dossier = self.intake(commune, procedure, when, channel=channel)
        with self.moment(when):
            return services.dossier_receive(dossier=dossier, by=commune.clerk)

    def do(self, action: str, dossier: Dossier, commune: Commune, when: dt.datetime, **kw) -> Dossier:
        dossier = Dossier.objects.get(pk=dossier.pk)
        with self.moment(when):
            if action == "assign":
                return services.dossier_assign(dossier=dossier, by=commune.leader, assignee=commune.specialist)
            if action == "request_supplement":
                return services.dossier_request_supplement(
                    dossier=dossier, by=commune.specialist,
                    items=[{"document": "Tờ khai", "reason": "Thiếu chữ ký của người khai"}])
            if action == "complete_supplement":
                return services.dossier_complete_supplement(dossier=dossier, by=commune.clerk)
            if action == "send_for_approval":
                return services.dossier_send_for_approval(dossier=dossier, by=commune.specialist,
                                                          result_summary="Đủ điều kiện")
            if action == "approve":
                return services.dossier_approve(dossier=dossier, by=commune.leader)
            if action == "return_result":
                return services.dossier_return_result(dossier=dossier, by=commune.clerk)
            if action == "stop":
                return services.dossier_stop(dossier=dossier, by=commune.leader, reason="Không đủ điều kiện")
            if action == "withdraw":
                return services.dossier_withdraw(dossier=dossier, by=commune.clerk, reason="Công dân xin rút")
            if action == "refuse":
                return services.dossier_refuse(dossier=dossier, by=commune.clerk, reason="Không thuộc thẩm quyền",
                                               legal_basis="Nghị định 118/2025/NĐ-CP")
            if action == "extend":
                services.dossier_extend(dossier=dossier, by=commune.leader, new_due_at=kw["new_due_at"],
                                        reason="Cần xác minh thêm", kind="apology")
                return Dossier.objects.get(pk=dossier.pk)
        raise AssertionError(action)

    def finish(self, dossier: Dossier, commune: Commune, when: dt.datetime) -> Dossier:
        """Assign, draft and approve at ``when`` (the result is ready at that moment)."""
        for action in ("assign", "send_for_approval", "approve"):
            dossier = self.do(action, dossier, commune, when)
        return dossier


@pytest.fixture
def life(django_capture_on_commit_callbacks) -> Life:
    return Life(django_capture_on_commit_callbacks)
