"""Catalog admin: only staff with the model permissions; folded search; import page and export actions."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import inlineformset_factory

from procedures.admin import ProcedureAdminForm, RouteFormSet
from procedures.models import Procedure, ProcedureCase, RouteStep
from procedures.services import export_catalog
from tests.factories import ProcedureFactory, UserFactory, citizen

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/procedures/procedure/"
IMPORT = "/admin/procedures/procedure/nhap/"


def staff(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="procedures",
                                                         codename__in=codenames))
    return user


@pytest.fixture
def editor():
    return staff("view_procedure", "add_procedure", "change_procedure", "view_procedureversion",
                 "view_procedurecase")


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_citizens_are_denied(client):
    client.force_login(citizen())
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert client.get(IMPORT).status_code == 302


def test_staff_without_the_model_permission_are_forbidden(client):
    client.force_login(staff())
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(IMPORT).status_code == 403


def test_a_reader_sees_the_catalog_but_cannot_import(client, seeded):
    client.force_login(staff("view_procedure"))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "nhap/" not in response.content.decode()
    assert client.get(IMPORT).status_code == 403


def test_editor_manages_the_catalog_with_history(client, seeded, editor):
    client.force_login(editor)
    response = client.get(CHANGELIST)
    assert response.status_code == 200 and IMPORT in response.content.decode()
    procedure = Procedure.objects.get(code="1.001193")
    change = client.get(f"{CHANGELIST}{procedure.pk}/change/")
    assert change.status_code == 200
    assert "Quyết định công bố" in change.content.decode()  # the versions inline
    assert client.get(f"{CHANGELIST}{procedure.pk}/history/").status_code == 200
    case = procedure.current_version.cases.get()
    assert client.get(f"/admin/procedures/procedurecase/{case.pk}/change/").status_code == 200


@pytest.mark.parametrize("term", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "1.001193"])
def test_admin_search_ignores_diacritics(client, seeded, editor, term):
    client.force_login(editor)
    response = client.get(CHANGELIST, {"q": term})
    codes = [p.code for p in response.context["cl"].result_list]
    assert "1.001193" in codes and "1.000894" not in codes


def test_admin_search_keeps_the_list_filters(client, seeded, editor):
    client.force_login(editor)
    response = client.get(CHANGELIST, {"q": "dang ky", "level__exact": "district"})
    assert {p.code for p in response.context["cl"].result_list} == {"2.000806", "1.001669"}


def test_steps_are_edited_one_per_line(db):
    procedure = ProcedureFactory()
    form = ProcedureAdminForm(instance=procedure)
    assert form.fields["current_version"].queryset.get() == procedure.current_version
    data = {**{f: getattr(procedure, f) for f in ("code", "name", "level", "online_level", "level_note")},
            "field": procedure.field_id, "steps": "Nộp hồ sơ\n\n  Nhận kết quả  ", "accepts_desk": "on"}
    form = ProcedureAdminForm(data=data, instance=procedure)
    assert form.is_valid(), form.errors
    assert form.save().steps == ["Nộp hồ sơ", "Nhận kết quả"]


def test_route_shares_must_add_up_to_100(db):
    case = ProcedureCase.objects.get(version__procedure=ProcedureFactory())
    FormSet = inlineformset_factory(ProcedureCase, RouteStep, formset=RouteFormSet,
                                    fields=("order", "name", "role", "share_percent"), extra=2)

    def post(*shares):
        data = {"route-TOTAL_FORMS": "2", "route-INITIAL_FORMS": "0"}
        for i, share in enumerate(shares):
            data |= {f"route-{i}-order": i + 1, f"route-{i}-name": f"Bước {i}", f"route-{i}-role": "clerk",
                     f"route-{i}-share_percent": share}
        return FormSet(data, instance=case, prefix="route")

    formset = post("50", "40")
    assert not formset.is_valid()
    assert "Tổng tỷ lệ thời gian các bước phải bằng 100% (hiện là 90%)." in formset.non_form_errors()
    assert post("50", "50").is_valid()


def test_committed_time_cannot_exceed_the_legal_time(db):
    from django.core.exceptions import ValidationError

    case = ProcedureCase.objects.get(version__procedure=ProcedureFactory())
    case.committed_time = Decimal(9)
    with pytest.raises(ValidationError, match="không được dài hơn"):
        case.full_clean()


@pytest.mark.parametrize("action, content_type, marker", [
    ("export_csv", "text/csv; charset=utf-8", "code,national_code_published"),
    ("export_json", "application/json; charset=utf-8", '"format": "motcua.procedures"'),
])
def test_export_actions_download_the_selected_procedures(client, seeded, action, content_type, marker):
    client.force_login(staff("view_procedure"))
    ids = list(Procedure.objects.filter(code__in=["1.001193", "1.000894"]).values_list("pk", flat=True))
    response = client.post(CHANGELIST, {"action": action, "_selected_action": ids})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith('attachment; filename="thu-tuc-')
    body = response.content.decode("utf-8-sig")
    assert marker in body and "1.001193" in body and "1.000894" in body and "1.000656" not in body


def test_import_page_imports_a_good_file(client, seeded, editor):
    data = export_catalog(fmt="json", queryset=Procedure.objects.filter(code="1.001193"))
    record = json.loads(data)
    record["procedures"][0]["code"] = "1.777777"
    client.force_login(editor)
    response = client.post(IMPORT, {"format": "json", "file": SimpleUploadedFile(
        "catalog.json", json.dumps(record).encode(), content_type="application/json")})
    assert response.status_code == 302 and response.url == CHANGELIST
    created = Procedure.objects.get(code="1.777777")
    assert set(created.history.values_list("history_user", flat=True)) == {editor.pk}


def test_import_page_lists_every_problem_and_saves_nothing(client, editor):
    client.force_login(editor)
    bad = ("code,name,field_code,field_name,level\n"
           "1.1,,ho-tich,Hộ tịch,commune\n"
           "1.2,Đăng ký,ho-tich,Hộ tịch,xa\n")
    response = client.post(IMPORT, {"format": "csv", "file": SimpleUploadedFile("bad.csv", bad.encode())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tệp có 2 lỗi; chưa có gì được lưu" in page
    assert "Dòng 2: Tên thủ tục: không được để trống." in page
    assert "Dòng 3: Cấp thực hiện" in page
    assert not Procedure.objects.exists()


def test_import_page_requires_a_file(client, editor):
    client.force_login(editor)
    response = client.post(IMPORT, {"format": "csv"})
    assert response.status_code == 400
    assert "Trường này là bắt buộc." in response.content.decode()
