"""`seed_demo` (dashboard/management/commands) builds what `make run` shows: each seeding loads the real
catalog, so the checks share one run per test instead of one test per fact."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import Agency, AgencyKind, User
from accounts.permissions import scope_agency_ids
from accounts.roles import Role
from procedures.models import Level, Procedure

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "0912345678": {Role.CITIZEN},
    "congdan@example.vn": {Role.CITIZEN},
    "motcua.tiepnhan": {Role.CLERK},
    "motcua.chuyenvien": {Role.SPECIALIST},
    "motcua.lanhdao": {Role.LEADER},
    "admin": set(Role.values),
}


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=out)
    return out.getvalue()


def test_seed_builds_the_demo_world_make_run_prints(settings):
    settings.DEBUG = True
    output = seed()
    assert "Dữ liệu mẫu đã sẵn sàng." in output

    # Every login the Makefile prints works with motcua2026 and has its role.
    for login, roles in DEMO_LOGINS.items():
        user = authenticate(None, username=login, password="motcua2026")
        assert user is not None, login
        assert user.roles == roles, login

    # The agency tree: province > centre, departments and communes (two tiers since 01/7/2025).
    codes = dict(Agency.objects.values_list("code", "name"))
    assert codes["000.00.00.H56"] == "UBND tỉnh Thanh Hóa"
    assert codes["000.00.06.H56"] == "Trung tâm Phục vụ hành chính công tỉnh"
    assert codes["000.00.15.H56"] == "Sở Tư pháp"
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE).count() == 6
    assert list(Agency.objects.filter(parent=None).values_list("code", flat=True)) == ["000.00.00.H56"]

    # Demo staff all work in one ward; its leader sees that ward only.
    ward = Agency.objects.get(code="000.20.01.H56")
    assert ward.name == "UBND phường Hạc Thành" and ward.kind == AgencyKind.COMMUNE
    for username in ("motcua.tiepnhan", "motcua.chuyenvien", "motcua.lanhdao"):
        assert User.objects.get(username=username).agency == ward
    assert scope_agency_ids(User.objects.get(username="motcua.lanhdao")) == {ward.id}
    User.objects.get(phone="0912345678").full_clean()  # the demo CCCD and phone pass our own validators

    # The real catalog, each procedure linked to the agencies of its level.
    assert Procedure.objects.count() == 59
    assert not Procedure.objects.filter(agencies=None).exists()
    communes = set(Agency.objects.filter(kind=AgencyKind.COMMUNE).values_list("id", flat=True))
    for procedure in Procedure.objects.filter(level=Level.COMMUNE).prefetch_related("agencies"):
        assert communes <= {a.id for a in procedure.agencies.all()}
    land = Procedure.objects.filter(level=Level.PROVINCE, field__name="Đất đai").first()
    assert [a.name for a in land.agencies.all()] == ["Sở Nông nghiệp và Môi trường"]


def test_running_it_again_changes_nothing_but_restores_the_demo_passwords(settings):
    settings.DEBUG = True
    seed()
    clerk = User.objects.get(username="motcua.tiepnhan")
    clerk.set_password("da-doi-mat-khau")
    clerk.save()
    counts = (Agency.objects.count(), User.objects.count(), Procedure.objects.count())
    seed()
    assert (Agency.objects.count(), User.objects.count(), Procedure.objects.count()) == counts
    assert authenticate(None, username="motcua.tiepnhan", password="motcua2026") == clerk


def test_it_refuses_to_run_on_a_production_configuration(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_the_demo_commune_has_work_in_every_desk_state_made_through_the_workflow(settings):
    from dossiers.models import Dossier, FormKind, Status, StepLog
    from reception.models import Counter

    settings.DEBUG = True
    seed()
    seed()  # idempotent: the second run adds no dossiers
    dossiers = Dossier.objects.filter(receiving_agency__code="000.20.01.H56")
    statuses = set(dossiers.values_list("status", flat=True))
    assert {Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY, Status.RETURNED, Status.SUPPLEMENT} <= statuses
    assert dossiers.count() == 8
    assert StepLog.objects.filter(dossier__in=dossiers, action="receive").count() == 7
    assert dossiers.filter(documents__kind=FormKind.RECEIPT).count() == 7
    assert Counter.objects.filter(agency__code="000.20.01.H56").exists()
