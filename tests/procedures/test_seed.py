"""The seed normaliser keeps the legal nuance of the source text, and the bundled catalog loads once."""

import csv
import datetime as dt
from decimal import Decimal

import pytest

from procedures.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureCase,
    RequiredDocument,
    RouteStep,
    TimeUnit,
)
from procedures.seed import (
    GENERAL_CASE,
    HARDSHIP_CASE,
    INFERRED_NOTE,
    SEED_PATH,
    local_code_for,
    normalise_seed_row,
    parse_decision,
    parse_fee,
    parse_level,
    parse_online_level,
    parse_processing_days,
)
from procedures.services import load_seed_catalog

D = Decimal
WD, CAL = TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS


@pytest.mark.parametrize("raw, legal, unit, note", [
    ("0 (trong ngày; nhận sau 15h → ngày làm việc tiếp theo)", D(0), WD,
     "trong ngày; nhận sau 15h → ngày làm việc tiếp theo"),
    ("0 (trong ngày; cần xác minh ≤5 ngày làm việc)", D(0), WD, "trong ngày; cần xác minh ≤5 ngày làm việc"),
    ("3 (+≤5 nếu cần xác minh)", D(3), WD, "+≤5 nếu cần xác minh"),
    ("15 (ngày, Luật ghi 'ngày')", D(15), CAL, "ngày, Luật ghi 'ngày'"),
    ("0 (trong ngày/ngày LV tiếp theo nếu nhận sau 15h; phức tạp +≤2 ngày LV)", D(0), WD,
     "trong ngày/ngày LV tiếp theo nếu nhận sau 15h; phức tạp +≤2 ngày LV"),
    ("7", D(7), WD, ""),
    ("10 hoặc 20 (tùy trường hợp)", D(20), WD, "10 hoặc 20 ngày làm việc tùy trường hợp"),
    ("5-10", D(10), WD, "5–10 ngày làm việc tùy trường hợp"),
    ("8 (không tính 30 ngày niêm yết)", D(8), WD, "không tính 30 ngày niêm yết"),
    ("4 (5-10 tùy trường hợp)", D(4), WD, "5-10 tùy trường hợp"),
    ("0 (trong ngày; ≤3 nếu có lý do chính đáng)", D(0), WD, "trong ngày; ≤3 nếu có lý do chính đáng"),
    ("", None, WD, ""),
    ("theo thỏa thuận", None, WD, "theo thỏa thuận"),  # unknown wording: kept whole, no invented number
])
def test_processing_days_keep_the_nuance_in_the_note(raw, legal, unit, note):
    general = parse_processing_days(raw)[0]
    assert (general.name, general.legal_time, general.time_unit, general.time_note) == (GENERAL_CASE, legal, unit,
                                                                                        note)


def test_hardship_areas_become_a_case_of_their_own():
    general, hardship = parse_processing_days("17-20 (vùng khó khăn 27-30)")
    assert (general.legal_time, general.time_note) == (D(20), "17–20 ngày làm việc tùy trường hợp")
    assert (hardship.name, hardship.legal_time) == (HARDSHIP_CASE, D(30))
    assert "vùng khó khăn 27-30" in hardship.time_note


@pytest.mark.parametrize("raw, names_and_days", [
    ("0 nếu có sẵn; ≤10 nếu không có sẵn", [("Thông tin, dữ liệu có sẵn", D(0)),
                                           ("Thông tin, dữ liệu không có sẵn", D(10))]),
    ("5 (thay đổi) / 8 (đăng ký mới)", [("Đăng ký thay đổi tài sản gắn liền với đất", D(5)),
                                       ("Đăng ký mới tài sản gắn liền với đất", D(8))]),
    ("8 (cho thuê trong dự án KCHT: 4)", [(GENERAL_CASE, D(8)),
                                         ("Cho thuê, cho thuê lại đất trong dự án kinh doanh kết cấu hạ tầng", D(4))]),
])
def test_texts_naming_several_cases_are_split(raw, names_and_days):
    assert [(c.name, c.legal_time) for c in parse_processing_days(raw)] == names_and_days


@pytest.mark.parametrize("raw, amount, note", [
    ("8000 (mỗi bản)", 8000, "mỗi bản"),
    ("0 (miễn khi đúng hạn)", 0, "miễn khi đúng hạn"),
    ("0", 0, ""),
    ("", None, ""),
    ("50000 lệ phí/giấy (Đồng Nai; miễn 100% theo NQ 21/2024/NQ-HĐND)", 50000,
     "lệ phí/giấy (Đồng Nai; miễn 100% theo NQ 21/2024/NQ-HĐND)"),
    ("2000/trang (trang 1-2); 1000/trang từ trang 3; tối đa 200000/bản", 2000,
     "2000/trang (trang 1-2); 1000/trang từ trang 3; tối đa 200000/bản"),
])
def test_fee_amount_and_note(raw, amount, note):
    fee = parse_fee(raw)
    assert (fee.amount, fee.note, fee.by_case) == (amount, note, ())


def test_fees_that_differ_by_case_name_the_cases():
    fee = parse_fee("0 lần đầu; 30000 đổi CCCD sang căn cước; 50000 cấp đổi; 70000 cấp lại")
    assert fee.amount is None
    assert fee.by_case == (("Cấp lần đầu", 0), ("Đổi thẻ Căn cước công dân sang thẻ căn cước", 30000),
                           ("Cấp đổi", 50000), ("Cấp lại", 70000))


@pytest.mark.parametrize("raw, level, note", [
    ("Xã", Level.COMMUNE, ""),
    ("Tỉnh", Level.PROVINCE, ""),
    ("Huyện (trước 01/7/2025; nay phân cấp lại)", Level.DISTRICT, "trước 01/7/2025; nay phân cấp lại"),
    ("Xã/Tỉnh", Level.COMMUNE, "Xã/Tỉnh"),
    ("Tỉnh/Xã", Level.PROVINCE, "Tỉnh/Xã"),
    ("Xã (Công an xã)", Level.COMMUNE, "Công an xã"),
    ("Công an (xã/tỉnh)", Level.COMMUNE, "Công an (xã/tỉnh)"),
    ("BHXH/Xã", Level.COMMUNE, "BHXH/Xã"),
    ("Tỉnh (VPĐKĐĐ/chi nhánh)", Level.PROVINCE, "VPĐKĐĐ/chi nhánh"),
    ("Xã (trước 7/2025: Huyện)", Level.COMMUNE, "trước 7/2025: Huyện"),
])
def test_level_and_its_note(raw, level, note):
    assert parse_level(raw) == (level, note)


def test_unknown_level_is_an_error():
    with pytest.raises(ValueError, match="cấp thực hiện"):
        parse_level("Phường ABC")


@pytest.mark.parametrize("raw, level", [
    ("Toàn trình", OnlineLevel.FULL),
    ("Một phần", OnlineLevel.PARTIAL),
    ("mức độ 4", OnlineLevel.FULL),
    ("", OnlineLevel.UNPUBLISHED),  # not found in the source: never shown as "not online"
])
def test_online_level(raw, level):
    assert parse_online_level(raw) == level


def test_publication_decision_comes_from_the_legal_basis():
    basis = "Luật Đất đai 31/2024/QH15; NĐ 101/2024/NĐ-CP; QĐ 2304/QĐ-BNNMT (23/6/2025)"
    assert parse_decision(basis) == ("2304/QĐ-BNNMT", dt.date(2025, 6, 23))
    assert parse_decision("Luật Hộ tịch 2014 Đ.16") == ("", None)


def test_rows_without_a_code_get_a_stable_local_code():
    row = {"code": "", "name": "Đăng ký thay đổi, cải chính hộ tịch", "field": "Hộ tịch", "level": "Xã"}
    record = normalise_seed_row(row)
    assert record["code"] == local_code_for(row["name"]) == "DP.dang-ky-thay-doi-cai-chinh-ho-tich"
    assert record["national_code_published"] is False
    assert len(local_code_for("Đăng ký " * 20)) <= 40


def test_every_seed_row_normalises():
    with SEED_PATH.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 59
    codes = [normalise_seed_row(r)["code"] for r in rows]
    assert len(set(codes)) == 59


def test_seed_catalog_loads_with_structured_fields(seeded):
    assert Procedure.objects.count() == 59
    assert Field.objects.filter(code="ho-tich", name="Hộ tịch").exists()

    birth = Procedure.objects.get(code="1.001193")
    case = birth.current_version.cases.get()
    assert (case.name, case.legal_time, case.time_unit, case.committed_time) == (GENERAL_CASE, 0, WD, None)
    assert case.is_same_day and "15h" in case.time_note
    assert (birth.fee_vnd, birth.fee_note, birth.level) == (0, "miễn khi đúng hạn", Level.COMMUNE)
    assert birth.online_level == OnlineLevel.UNPUBLISHED and not birth.is_online

    foreign_marriage = Procedure.objects.get(code="2.000806")
    assert foreign_marriage.current_version.cases.get().time_unit == CAL
    assert (foreign_marriage.level, foreign_marriage.level_note) == (Level.DISTRICT,
                                                                     "trước 01/7/2025; nay phân cấp lại")

    id_card = Procedure.objects.get(code="2.000200")
    assert id_card.fee_vnd is None
    assert [(c.name, c.fee_vnd) for c in id_card.current_version.cases.all()][-1] == ("Cấp lại", 70000)

    assert Procedure.objects.get(code="1.004884").current_version.cases.get().legal_time is None  # not published
    assert Procedure.objects.get(code="1.012756").online_level == OnlineLevel.FULL
    assert Procedure.objects.get(code="1.012756").accepts_online
    land = Procedure.objects.get(code="1.012756").current_version
    assert (land.decision_number, land.decision_date) == ("2304/QĐ-BNNMT", dt.date(2025, 6, 23))


def test_seed_documents_are_marked_as_inferred_and_routes_add_up(seeded):
    docs = RequiredDocument.objects.filter(case__version__procedure__code="1.001193")
    assert docs.count() >= 2 and all(INFERRED_NOTE in d.note for d in docs)
    for case in ProcedureCase.objects.prefetch_related("route"):
        steps = list(case.route.all())
        assert [s.role for s in steps] == ["clerk", "specialist", "leader", "clerk"]
        assert sum(s.share_percent for s in steps) == 100


def test_loading_the_seed_twice_changes_nothing(seeded):
    counts = (Procedure.objects.count(), ProcedureCase.objects.count(), RequiredDocument.objects.count(),
              RouteStep.objects.count(), Procedure.history.count(), ProcedureCase.history.count())
    result = load_seed_catalog()
    assert (result.created, result.updated, len(result.unchanged)) == ([], [], 59)
    assert counts == (Procedure.objects.count(), ProcedureCase.objects.count(), RequiredDocument.objects.count(),
                      RouteStep.objects.count(), Procedure.history.count(), ProcedureCase.history.count())


def test_reloading_the_seed_keeps_an_administrators_edits(seeded):
    case = ProcedureCase.objects.get(version__procedure__code="1.004837")
    case.committed_time = Decimal(2)
    case.save()
    load_seed_catalog()
    case.refresh_from_db()
    assert case.committed_time == 2
