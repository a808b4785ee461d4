"""Export → import into an empty catalog → export gives the same bytes; bad files save nothing."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.errors import NotAllowed
from accounts.models import Agency
from dossiers.models import Dossier
from procedures.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureCase,
    ProcedureVersion,
    RequiredDocument,
    RouteStep,
    TimeUnit,
)
from procedures.services import CatalogImportError, export_catalog, import_catalog, import_catalog_file
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_procedure(db):
    """A procedure using every part of the format: two versions, agencies, a route step at another agency,
    fractional and calendar-day times, forms, multi-line texts."""
    commune, department = AgencyFactory(name="UBND xã Đông Sơn"), AgencyFactory(name="Sở Tư pháp")
    field = FieldFactory(code="tu-phap", name="Tư pháp")
    procedure = Procedure.objects.create(
        code="1.999999", national_code_published=False, local_code="1.999999.000.00.00.H56",
        name="Thủ tục thử: đủ mọi phần", field=field, level=Level.PROVINCE, level_note="Tỉnh/Xã",
        coordinating_agencies="Công an tỉnh", steps=["Nộp hồ sơ", "Nhận kết quả\n(mang theo giấy hẹn)"],
        accepts_postal=False, accepts_online=True, postal_return=False, online_level=OnlineLevel.FULL,
        fee_vnd=None, fee_note="Theo trường hợp", applicants="Công dân Việt Nam\nNgười nước ngoài",
        conditions="  Có nơi cư trú  ", result="Giấy xác nhận", legal_basis="Luật X", source="Thử",
    )
    procedure.agencies.add(commune, department)
    old = ProcedureVersion.objects.create(procedure=procedure, decision_number="1/QĐ-UBND",
                                          decision_date="2024-01-02", note="Bản cũ")
    ProcedureCase.objects.create(version=old, name="Trường hợp chung", legal_time=Decimal(10))
    current = ProcedureVersion.objects.create(procedure=procedure, decision_number="2/QĐ-UBND",
                                              decision_date="2025-07-01", effective_from="2025-07-15")
    case = ProcedureCase.objects.create(version=current, name="Trường hợp nhanh", order=1, legal_time=Decimal("1.5"),
                                        committed_time=Decimal("0.5"), time_note="nửa ngày", fee_vnd=15000)
    ProcedureCase.objects.create(version=current, name="Trường hợp dài", order=2, legal_time=Decimal(30),
                                 time_unit=TimeUnit.CALENDAR_DAYS)
    RequiredDocument.objects.create(case=case, order=1, name="Tờ khai", originals=1, form_name="Mẫu 01",
                                    form_file="forms/mau-01.docx")
    RequiredDocument.objects.create(case=case, order=2, name="Bản sao giấy tờ", copies=2, is_required=False,
                                    note="nếu có")
    RouteStep.objects.create(case=case, order=1, name="Tiếp nhận", role="clerk", share_percent=Decimal("12.5"))
    RouteStep.objects.create(case=case, order=2, name="Thẩm định liên thông", role="specialist", agency=department,
                             share_percent=Decimal("87.5"))
    procedure.current_version = current
    procedure.save()
    return procedure


@pytest.fixture
def rich_catalog(seeded, rich_procedure):
    """The 59 seed procedures and the rich one."""
    return rich_procedure


def empty_the_catalog():
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    assert not ProcedureCase.objects.exists() and not RouteStep.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_export_is_identical(rich_catalog, fmt):
    first = export_catalog(fmt=fmt)
    empty_the_catalog()
    result = import_catalog_file(first.encode("utf-8"), fmt=fmt)
    assert len(result.created) == 60 and not result.updated
    assert export_catalog(fmt=fmt) == first
    restored = Procedure.objects.get(code="1.999999")
    assert restored.current_version.decision_number == "2/QĐ-UBND"
    assert restored.search_text == Procedure.build_search_text(restored.code, restored.name, restored.local_code)
    assert sorted(a.code for a in restored.agencies.all()) == sorted(Agency.objects.values_list("code", flat=True))


def test_csv_and_json_carry_the_same_catalog(rich_catalog):
    as_json = export_catalog(fmt="json")
    empty_the_catalog()
    import_catalog_file(as_json, fmt="json")
    as_csv = export_catalog(fmt="csv")
    empty_the_catalog()
    import_catalog_file(as_csv, fmt="csv")
    assert export_catalog(fmt="json") == as_json


def test_json_record_shape(rich_catalog):
    document = json.loads(export_catalog(fmt="json", queryset=Procedure.objects.filter(code="1.999999")))
    assert document["format"] == "motcua.procedures" and document["format_version"] == 1
    [record] = document["procedures"]
    assert [v["current"] for v in record["versions"]] == [False, True]
    case = record["versions"][1]["cases"][0]
    assert (case["legal_time"], case["committed_time"], case["fee_vnd"]) == ("1.5", "0.5", 15000)
    assert case["route"][1]["agency"] == Agency.objects.get(name="Sở Tư pháp").code
    assert case["documents"][0]["form_file"] == "forms/mau-01.docx"


def test_reimporting_the_same_file_changes_nothing(rich_catalog):
    data = export_catalog(fmt="json")
    history = (Procedure.history.count(), ProcedureCase.history.count(), RouteStep.history.count())
    result = import_catalog_file(data, fmt="json")
    assert (result.created, result.updated, len(result.unchanged)) == ([], [], 60)
    assert history == (Procedure.history.count(), ProcedureCase.history.count(), RouteStep.history.count())


def test_import_updates_and_adds_a_version_keeping_the_old_ones(rich_catalog):
    document = json.loads(export_catalog(fmt="json", queryset=Procedure.objects.filter(code="1.999999")))
    record = document["procedures"][0]
    record["name"] = "Thủ tục thử (sửa tên)"
    for version in record["versions"]:
        version["current"] = False
    record["versions"].append({"decision_number": "3/QĐ-UBND", "decision_date": "2026-01-05", "effective_from": None,
                               "note": "", "current": True, "cases": [{"name": "Trường hợp chung", "legal_time": "7"}]})
    versions_before = ProcedureVersion.objects.filter(procedure=rich_catalog).count()
    result = import_catalog([record], fmt="json")
    assert result.updated == ["1.999999"]
    rich_catalog.refresh_from_db()
    assert rich_catalog.name == "Thủ tục thử (sửa tên)"
    assert rich_catalog.current_version.decision_number == "3/QĐ-UBND"
    assert rich_catalog.current_version.cases.get().legal_time == 7
    assert ProcedureVersion.objects.filter(procedure=rich_catalog).count() == versions_before + 1
    assert rich_catalog.history.first().name == "Thủ tục thử (sửa tên)"


def test_a_version_dossiers_were_received_under_cannot_be_rewritten(rich_catalog):
    version = rich_catalog.current_version
    agency = rich_catalog.agencies.first()
    Dossier.objects.create(procedure=rich_catalog, procedure_version=version, case=version.cases.first(),
                           applicant_name="Nguyễn Văn A", applicant_phone="0912345678", channel="desk",
                           receiving_agency=agency, current_agency=agency)
    record = json.loads(export_catalog(fmt="json", queryset=Procedure.objects.filter(code="1.999999")))["procedures"][0]
    record["name"] = "Tên mới"
    record["versions"][1]["cases"][0]["legal_time"] = "2"
    with pytest.raises(CatalogImportError, match="đã được dùng cho hồ sơ") as exc:
        import_catalog([record], fmt="json")
    assert "Mục 1" in exc.value.problems[0]
    rich_catalog.refresh_from_db()
    assert rich_catalog.name == "Thủ tục thử: đủ mọi phần"  # the name change before the problem was rolled back
    assert version.cases.order_by("order").first().legal_time == Decimal("1.5")


BAD_CSV_ROWS = [
    # (cell overrides, what the error says)
    ({"name": ""}, "Tên thủ tục: không được để trống"),
    ({"level": "xa"}, "Cấp thực hiện"),
    ({"online_level": "muc-4"}, "Mức độ DVC"),
    ({"fee_vnd": "mười nghìn"}, "Phí, lệ phí"),
    ({"accepts_online": "có lẽ"}, "accepts_online"),
    ({"versions": "[{"}, "JSON"),
    ({"versions": '[{"current": false, "cases": []}]'}, "đúng một phiên bản hiện hành"),
    ({"versions": '[{"current": true, "decision_date": "31/12/2025"}]'}, "YYYY-MM-DD"),
    ({"versions": '[{"current": true, "cases": [{"name": "c", "legal_time": "5", "committed_time": "9"}]}]'},
     "không được dài hơn"),
    ({"versions": '[{"current": true, "cases": [{"name": "c", "time_unit": "weeks"}]}]'}, "weeks"),
    ({"versions": '[{"current": true, "cases": [{"name": "c", "route": [{"name": "s", "role": "boss", '
                  '"share_percent": "100"}]}]}]'}, "boss"),
    ({"versions": '[{"current": true, "cases": [{"name": "c", "route": [{"name": "s", "role": "clerk", '
                  '"share_percent": "60"}]}]}]'}, "100%"),
    ({"versions": '[{"current": true, "cases": [{"name": "c", "documents": [{"name": "", "copies": -1}]}]}]'},
     "giấy tờ 1"),
    ({"agencies": "KHONG.CO.MA"}, "không có cơ quan mã KHONG.CO.MA"),
    ({"field_code": "Hộ tịch!"}, "Lĩnh vực"),
    ({"code": "x" * 41}, "Mã thủ tục"),
]


@pytest.mark.parametrize("overrides, message", BAD_CSV_ROWS)
def test_a_bad_row_is_reported_with_its_row_number_and_nothing_is_saved(rich_procedure, overrides, message):
    ProcedureFactory(code="1.000001")
    data = export_catalog(fmt="csv")
    empty_the_catalog()
    rows = list(csv.DictReader(io.StringIO(data.removeprefix("\ufeff"))))
    rows[1].update(overrides)  # the second data row is spreadsheet row 3
    with pytest.raises(CatalogImportError) as exc:
        import_catalog(rows, fmt="csv")
    assert any(p.startswith("Dòng 3") and message in p for p in exc.value.problems), exc.value.problems
    assert not Procedure.objects.exists() and not Field.objects.exists()


@pytest.mark.parametrize("fmt, data, message", [
    ("csv", b"\xff\xfe not utf-8", "UTF-8"),
    ("csv", b"ma,ten\n1,2\n", "thiếu cột"),
    ("json", b'{"procedures": [', "JSON không hợp lệ"),
    ("json", b'{"format": "other"}', "không phải danh mục"),
    ("json", b'{"procedures": {}}', "procedures"),
    ("json", b'{"procedures": []}', "không có thủ tục nào"),
    ("json", b'{"procedures": [42]}', "Mục 1"),
    ("seed", "code,name,field,level\n1.1,Thử,Hộ tịch,Phường?\n".encode(), "Dòng 2"),
    ("xml", b"<x/>", "không được hỗ trợ"),
])
def test_unreadable_files_are_refused(db, fmt, data, message):
    with pytest.raises(CatalogImportError, match=message):
        import_catalog_file(data, fmt=fmt)
    assert not Procedure.objects.exists()


def test_duplicate_codes_in_one_file_are_refused(db):
    record = {"code": "1.1", "name": "A", "field_code": "a", "field_name": "A", "level": "commune"}
    with pytest.raises(CatalogImportError, match="trùng với Mục 1"):
        import_catalog([record, record], fmt="json")


def test_a_field_name_taken_by_another_code_is_refused(db):
    FieldFactory(code="ho-tich", name="Hộ tịch")
    record = {"code": "1.1", "name": "A", "field_code": "hotich", "field_name": "Hộ tịch", "level": "commune"}
    with pytest.raises(CatalogImportError, match="đã có với mã “ho-tich”"):
        import_catalog([record], fmt="json")


def test_import_needs_the_catalog_permissions(db):
    record = {"code": "1.1", "name": "A", "field_code": "a", "field_name": "A", "level": "commune"}
    with pytest.raises(NotAllowed):
        import_catalog([record], fmt="json", by=UserFactory(is_staff=True))
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(*_perms("add_procedure", "change_procedure"))
    editor = type(editor).objects.get(pk=editor.pk)
    import_catalog([record], fmt="json", by=editor)
    assert set(Procedure.history.values_list("history_user", flat=True)) == {editor.pk}


def _perms(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="procedures", codename__in=codenames)


def test_commands_round_trip(rich_catalog, tmp_path, capsys):
    path = tmp_path / "catalog.csv"
    call_command("export_catalog", str(path))
    empty_the_catalog()
    call_command("import_catalog", str(path))
    assert "Thêm mới 60" in capsys.readouterr().out
    second = tmp_path / "again.csv"
    call_command("export_catalog", str(second), "--format", "csv")
    assert second.read_bytes() == path.read_bytes()


def test_import_command_reports_errors(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"procedures": [{"code": "1"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="Mục 1"):
        call_command("import_catalog", str(bad))
    with pytest.raises(CommandError, match="Không đọc được"):
        call_command("import_catalog", str(tmp_path / "missing.csv"))


def test_import_command_loads_the_raw_seed(db):
    from procedures.seed import SEED_PATH

    call_command("import_catalog", str(SEED_PATH), "--format", "seed")
    assert Procedure.objects.count() == 59


def test_factory_procedures_export_too(db):
    ProcedureFactory(name="Thủ tục từ factory")
    assert "Thủ tục từ factory" in export_catalog(fmt="csv")
