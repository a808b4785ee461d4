"""The forms a dossier issues: every PDF is read back (pypdf) and checked field by field, in Vietnamese.

Dossiers are built with the ORM in the exact state each form needs (the workflow has its own tests).
"""

import base64
import hashlib
import io
import logging
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest
import zxingcpp
from django.conf import settings
from django.db import connection
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from PIL import Image

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency, AgencyKind, User
from accounts.roles import Role
from dossiers import documents
from dossiers.documents import issue_document, reprint, tracking_book_xlsx
from dossiers.models import (
    ChecklistItem,
    Dossier,
    Extension,
    FormKind,
    IssuedDocument,
    Pause,
    Status,
    StepLog,
)
from procedures.models import Procedure
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory, citizen

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=VN)


@dataclass
class Desk:
    province: Agency
    centre: Agency
    justice: Agency
    procedure: Procedure
    clerk: User
    specialist: User
    leader: User


@pytest.fixture
def desk(db) -> Desk:
    province = AgencyFactory(code="000.00.00.H56", name="UBND tỉnh Thanh Hóa", kind=AgencyKind.PROVINCE)
    centre = AgencyFactory(code="000.00.06.H56", name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                           kind=AgencyKind.DEPARTMENT, parent=province, address="28 Đại lộ Lê Lợi, phường Hạc Thành",
                           phone="02373726777")
    justice = AgencyFactory(code="000.00.07.H56", name="Sở Tư pháp tỉnh Thanh Hóa", kind=AgencyKind.DEPARTMENT,
                            parent=province)
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    return Desk(
        province=province, centre=centre, justice=justice, procedure=procedure,
        clerk=UserFactory(role=Role.CLERK, agency=centre, full_name="Lê Văn Tiếp Nhận", phone="0987654321"),
        specialist=UserFactory(role=Role.SPECIALIST, agency=justice, full_name="Phạm Thu Thẩm Định"),
        leader=UserFactory(role=Role.LEADER, agency=justice, full_name="Hoàng Minh Phê Duyệt"),
    )


def received_dossier(desk: Desk, **fields) -> Dossier:
    """The worked example of DOMAIN.md: received 09:32 Fri 27/10/2023, 5 working days → Fri 03/11/2023."""
    values = {
        "code": "000.00.06.H56-231027-0361", "procedure": desk.procedure,
        "case": desk.procedure.current_version.cases.get(), "time_limit": Decimal(5),
        "applicant_name": "Nguyễn Thị Hồng Nhung", "applicant_id_number": "038190012345",
        "applicant_phone": "0912345678", "applicant_email": "nhung.nguyen@example.vn",
        "applicant_address": "Số 12 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa",
        "channel": "desk", "delivery": "desk", "status": Status.RECEIVED,
        "receiving_agency": desk.centre, "current_agency": desk.centre, "received_by": desk.clerk,
        "submitted_at": at("27/10/2023 09:30"), "received_at": at("27/10/2023 09:32"),
        "due_at": at("03/11/2023 09:32"), "original_due_at": at("03/11/2023 09:32"),
    }
    values.update(fields)
    return Dossier.objects.create(**values)


def with_checklist(dossier: Dossier) -> Dossier:
    ChecklistItem.objects.bulk_create([
        ChecklistItem(dossier=dossier, name="Tờ khai đăng ký khai sinh theo mẫu", originals=1),
        ChecklistItem(dossier=dossier, name="Giấy chứng sinh", originals=1),
        ChecklistItem(dossier=dossier, name="Giấy chứng nhận kết hôn của cha, mẹ", certified_copies=2),
        ChecklistItem(dossier=dossier, name="Căn cước của người đi đăng ký", photocopies=3),
    ])
    return dossier


def read(issued_or_bytes) -> pypdf.PdfReader:
    data = issued_or_bytes if isinstance(issued_or_bytes, bytes) else reprint(issued_or_bytes)
    return pypdf.PdfReader(io.BytesIO(data))


def text_of(issued_or_bytes) -> str:
    """All pages' text, whitespace collapsed (a long value may wrap onto the next line)."""
    return " ".join(" ".join(page.extract_text() for page in read(issued_or_bytes).pages).split())


def assert_has(text: str, *expected: str) -> None:
    missing = [item for item in expected if item not in text]
    assert not missing, f"missing {missing} in: {text}"


def national_heading(issued: IssuedDocument) -> tuple[str, ...]:
    return ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            f"Số: {issued.number}", documents.date_line(issued.issued_at, "Thanh Hóa"))


# --- 01 receipt and appointment ------------------------------------------------------------------------

def test_receipt_prints_every_field_in_vietnamese(desk):
    dossier = with_checklist(received_dossier(desk, fee_due_vnd=8000))
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier)

    text = text_of(issued)
    year = issued.issued_at.astimezone(VN).year
    assert issued.number == f"1/{year}/TNHS"
    assert_has(
        text, *national_heading(issued),
        "UBND TỈNH THANH HÓA", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH THANH HÓA",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: 000.00.06.H56-231027-0361",
        "Ông/Bà: Nguyễn Thị Hồng Nhung", "Căn cước công dân số: 038190012345",
        "Địa chỉ: Số 12 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa", "Số điện thoại: 0912345678",
        "Thư điện tử: nhung.nguyen@example.vn", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh (mã thủ tục 1.001193)",
        "Hình thức nộp: Trực tiếp",
        "Bản chính", "Bản sao chứng thực", "Bản chụp",
        "1 Tờ khai đăng ký khai sinh theo mẫu 1 0 0", "2 Giấy chứng sinh 1 0 0",
        "3 Giấy chứng nhận kết hôn của cha, mẹ 0 2 0", "4 Căn cước của người đi đăng ký 0 0 3",
        "Số lượng hồ sơ: 1 bộ", "Thời gian giải quyết hồ sơ theo quy định: 5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09:32 ngày 27/10/2023",
        "Thời gian trả kết quả giải quyết hồ sơ: Thứ Sáu, 03/11/2023 09:32",
        "Nơi nhận kết quả: Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa, 28 Đại lộ Lê Lợi, phường Hạc Thành",
        "Phí, lệ phí: 8.000 đồng",
        f"Vào Sổ theo dõi hồ sơ, Quyển số: 01/{year}, Số thứ tự: 1.",
        "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "Lê Văn Tiếp Nhận",
    )
    assert text.count("Nguyễn Thị Hồng Nhung") == 2  # the applicant line and the signature
    assert len(read(issued).pages) == 1
    page = read(issued).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points


def test_receipt_of_an_online_dossier_lists_its_attachments(desk):
    from dossiers.models import Attachment

    dossier = received_dossier(desk, channel="online", delivery="postal")
    case = dossier.case
    for document, kind in zip(case.documents.order_by("order"), ("original", "certified"), strict=True):
        Attachment.objects.create(dossier=dossier, required_document=document, file="x.pdf", original_name="x.pdf",
                                  sha256="0" * 64, size=1, content_type="application/pdf", copy_kind=kind)
    text = text_of(issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier))
    assert_has(text, "1 Tờ khai theo mẫu 1 0 0", "2 Giấy tờ tùy thân 0 1 0", "Hình thức nộp: Trực tuyến",
               "Nơi nhận kết quả: Qua dịch vụ bưu chính công ích, đến địa chỉ: Số 12 phố Trần Phú")


def qr_text(issued: IssuedDocument) -> str:
    """Decode the QR code embedded (as a PNG) in the first page."""
    images = read(issued).pages[0].images
    assert len(images) == 1
    image = images[0].image.convert("L")
    image = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1 and results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def test_receipt_qr_decodes_to_the_tracking_url_with_its_token(desk):
    dossier = received_dossier(desk)
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier)

    content = qr_text(issued)
    token = dossier.tracking_token
    assert f"{settings.SITE_URL}/tra-cuu/t/{token}/" in content
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 64  # unguessable
    assert_has(content, "Mã hồ sơ: 000.00.06.H56-231027-0361", "Mã TTHC: 1.001193",
               "Văn bản: Giấy tiếp nhận hồ sơ và hẹn trả kết quả", f"Hệ thống: {settings.ISSUING_SYSTEM}",
               f"Phát hành: {issued.issued_at.astimezone(VN):%H:%M %d/%m/%Y}",
               "Hẹn trả: 09:32 03/11/2023", "Người nộp: CCCD ********2345")
    assert "038190012345" not in content  # the ID number is masked: anyone may read a QR code


def test_receipt_qr_is_an_8_bit_grey_image(desk):
    # segno's 1-bit PNG would be converted to RGB and encoded twice more by WeasyPrint on every render.
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=received_dossier(desk))
    assert read(issued).pages[0].images[0].image.mode == "L"


def test_qr_payload_names_no_appointment_on_other_forms(desk):
    dossier = received_dossier(desk)
    payload = documents.qr_payload(dossier, FormKind.REFUSAL)
    assert "Hẹn trả" not in payload
    assert payload.endswith(f"/tra-cuu/t/{dossier.tracking_token}/")


# --- fonts and the renderer ----------------------------------------------------------------------------

def embedded_fonts(reader: pypdf.PdfReader) -> list[TTFont]:
    fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts.append(TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data())))
    return fonts


def test_every_glyph_comes_from_the_bundled_liberation_serif(desk):
    # Liberation Serif 1.07 has no ơ, ư or stacked accents: Pango then silently draws them in DejaVu.
    # Only the bundled 2.1.5 faces may appear, so every Vietnamese letter is in the one typeface.
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=with_checklist(received_dossier(desk)))
    bundled = {TTFont(documents.FONT_DIR / f"LiberationSerif-{style}.ttf")["name"].getDebugName(6)
               for style in ("Regular", "Bold", "Italic", "BoldItalic")}
    fonts = embedded_fonts(read(issued))
    assert {font["name"].getDebugName(6) for font in fonts} == {"LiberationSerif", "LiberationSerif-Bold",
                                                               "LiberationSerif-Italic"} <= bundled
    assert {font["name"].getDebugName(5) for font in fonts} == {"Version 2.1.5"}


def test_fonts_are_subset_by_harfbuzz_not_fonttools(desk, caplog):
    # WeasyPrint 70 (pdf/fonts.py, Font.subset) uses HarfBuzz-Subset when libharfbuzz-subset ≥ 4.1.0 loads,
    # otherwise fontTools (5–10× slower) with a warning. Install Debian's libharfbuzz-subset0.
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None, "libharfbuzz-subset0 is not installed"
    assert harfbuzz.hb_version_atleast(4, 1, 0)
    assert documents.subsetting_backend() == "harfbuzz"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=received_dossier(desk))
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


def test_decomposed_accents_are_printed_composed(desk):
    # Some Vietnamese keyboards (Unikey "Unicode tổ hợp") send NFD text.
    name = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=received_dossier(desk, applicant_name=name))
    assert "Ông/Bà: Nguyễn Thị Hồng Nhung" in text_of(issued)


def test_forms_use_their_own_user_agent_stylesheet(monkeypatch):
    # WeasyPrint's HTML5 stylesheet costs a tenth of a receipt; the hook replacing it is private, so an
    # upgrade that stops calling it must fail here rather than quietly slow every form down.
    used = []
    sheet = documents._user_agent_css()
    monkeypatch.setattr(documents, "_user_agent_css", lambda: used.append(sheet) or sheet)
    documents._FormHTML(string="<p>Giấy tiếp nhận</p>").render()
    assert used


def test_the_renderer_fetches_nothing_outside_static(tmp_path):
    fetcher = documents._fonts()[2]
    font = (documents.FONT_DIR / "LiberationSerif-Regular.ttf").as_uri()
    response = fetcher.fetch(font)
    assert response.read(4) == b"\x00\x01\x00\x00"
    response.close()
    outside = tmp_path / "secret.txt"
    outside.write_text("bí mật")
    for url in ("http://169.254.169.254/latest/meta-data/", outside.as_uri(),
                (documents.STATIC_DIR / ".." / "config" / "settings.py").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


@pytest.mark.parametrize("moment, place, expected", [
    (date(2023, 10, 27), "Thanh Hóa", "Thanh Hóa, ngày 27 tháng 10 năm 2023"),
    # Decree 30/2020: a 0 before days below 10 and months 1–2.
    (date(2024, 2, 5), "Hà Nội", "Hà Nội, ngày 05 tháng 02 năm 2024"),
    (date(2024, 3, 9), "", "Ngày 09 tháng 3 năm 2024"),
    (at("31/12/2023 23:30"), "Huế", "Huế, ngày 31 tháng 12 năm 2023"),  # local date, not UTC
])
def test_date_line(moment, place, expected):
    assert documents.date_line(moment, place) == expected


# --- issuing: numbers, storage, reprint, scope -----------------------------------------------------------

def test_reprint_is_byte_for_byte_the_original(desk):
    dossier = received_dossier(desk)
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier)
    first = reprint(issued)
    assert hashlib.sha256(first).hexdigest() == issued.sha256
    assert (issued.issued_by, issued.agency, issued.dossier) == (desk.clerk, desk.centre, dossier)

    dossier.applicant_name = "Tên Đã Sửa Sau Khi In"  # later edits never change what was issued
    dossier.save(update_fields=["applicant_name"])
    again = reprint(IssuedDocument.objects.get(pk=issued.pk))
    assert again == first
    assert "Tên Đã Sửa" not in text_of(again)


def test_reprint_refuses_a_file_altered_in_storage(desk):
    issued = issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=received_dossier(desk))
    with issued.file.storage.open(issued.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    with pytest.raises(Conflict):
        reprint(issued)


def test_numbers_run_per_agency_kind_and_year(desk):
    dossier = received_dossier(desk)
    numbers = [issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier).number for _ in range(3)]
    year = IssuedDocument.objects.first().issued_at.astimezone(VN).year
    assert numbers == [f"{n}/{year}/TNHS" for n in (1, 2, 3)]

    dossier.status, dossier.outcome_reason = Status.STOPPED, "Công dân không bổ sung đúng hạn"
    dossier.save()
    assert issue_document(kind=FormKind.STOP, by=desk.clerk, dossier=dossier).number == f"1/{year}/DGQ"
    other = received_dossier(desk, code="000.00.07.H56-231027-0001", receiving_agency=desk.justice,
                             current_agency=desk.justice)
    assert issue_document(kind=FormKind.RECEIPT, by=desk.leader, dossier=other).number == f"1/{year}/TNHS"

    # A new year starts again at 1.
    for old in IssuedDocument.objects.filter(agency=desk.centre):
        old.issued_at = datetime(year - 1, 6, 1, tzinfo=VN)
        old.number = old.number.replace(f"/{year}/", f"/{year - 1}/")
        old.save(update_fields=["issued_at", "number"])
    assert issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier).number == f"1/{year}/TNHS"


@pytest.mark.django_db(transaction=True)
def test_clerks_printing_at_the_same_time_get_different_numbers():
    centre = AgencyFactory(name="Trung tâm Phục vụ hành chính công", kind=AgencyKind.DEPARTMENT)
    clerk = UserFactory(role=Role.CLERK, agency=centre)
    desk = Desk(province=centre, centre=centre, justice=centre, procedure=ProcedureFactory(), clerk=clerk,
                specialist=clerk, leader=clerk)
    dossier = received_dossier(desk)
    barrier, errors = threading.Barrier(4), []

    def clerk_prints():
        try:
            barrier.wait()
            for _ in range(3):
                issue_document(kind=FormKind.RECEIPT, by=clerk, dossier=dossier)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_prints) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(int(n.split("/")[0]) for n in IssuedDocument.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 13))
    assert len({d.file.name for d in IssuedDocument.objects.all()}) == 12


def test_only_staff_in_scope_may_issue(desk):
    dossier = received_dossier(desk)
    outsider = UserFactory(role=Role.CLERK, agency=AgencyFactory(name="UBND xã Khác"))
    for user in (outsider, citizen()):
        with pytest.raises(NotAllowed):
            issue_document(kind=FormKind.RECEIPT, by=user, dossier=dossier)
    assert not IssuedDocument.objects.exists()


def test_a_receipt_needs_a_received_dossier(desk):
    dossier = received_dossier(desk, code=None, status=Status.SUBMITTED, received_at=None, due_at=None)
    with pytest.raises(Conflict, match="chưa được tiếp nhận"):
        issue_document(kind=FormKind.RECEIPT, by=desk.clerk, dossier=dossier)
    assert not IssuedDocument.objects.exists()


def test_payment_receipt_is_only_issued_with_its_payment(desk):
    # dossiers/payments/ issues it with extra={"payment": ...} once the gateway confirms.
    with pytest.raises(DomainError, match="hệ thống thanh toán"):
        issue_document(kind=FormKind.PAYMENT_RECEIPT, by=desk.clerk, dossier=received_dossier(desk))


# --- 02 supplement, 03 refusal ---------------------------------------------------------------------------

def test_supplement_request_lists_every_item_with_its_reason(desk):
    dossier = received_dossier(desk, code=None, status=Status.SUPPLEMENT, received_at=None, due_at=None)
    Pause.objects.create(dossier=dossier, started_at=at("27/10/2023 09:40"), at_reception=True,
                         requested_by=desk.clerk, items=[
                             {"document": "Giấy chứng sinh", "reason": "Thiếu bản chính"},
                             {"document": "Tờ khai đăng ký khai sinh", "reason": "Chưa ghi quê quán của người mẹ"},
                             {"document": "Giấy chứng nhận kết hôn", "reason": "Bản chụp mờ, không đọc được số"},
                         ])
    issued = issue_document(kind=FormKind.SUPPLEMENT, by=desk.clerk, dossier=dossier)
    text = text_of(issued)
    year = issued.issued_at.astimezone(VN).year
    assert_has(
        text, *national_heading(issued), f"Số: 1/{year}/YCBS",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Ông/Bà: Nguyễn Thị Hồng Nhung",
        "Địa chỉ: Số 12 phố Trần Phú", "Số điện thoại: 0912345678", "Thư điện tử: nhung.nguyen@example.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "Giấy tờ cần bổ sung, hoàn thiện", "Lý do",
        "1 Giấy chứng sinh Thiếu bản chính",
        "2 Tờ khai đăng ký khai sinh Chưa ghi quê quán của người mẹ",
        "3 Giấy chứng nhận kết hôn Bản chụp mờ, không đọc được số",
        "liên hệ với Lê Văn Tiếp Nhận, số điện thoại 0987654321",
        "NGƯỜI HƯỚNG DẪN", "nêu đầy đủ, cụ thể một lần",
    )
    assert "Mã hồ sơ:" not in text  # no code yet: the desk asked before receiving
    assert f"/tra-cuu/t/{dossier.tracking_token}/" in qr_text(issued)


def test_supplement_request_without_items_is_an_error(desk):
    dossier = received_dossier(desk, status=Status.SUPPLEMENT)
    Pause.objects.create(dossier=dossier, started_at=at("30/10/2023 08:00"), items=[{"document": " ", "reason": ""}])
    with pytest.raises(DomainError, match="ít nhất một giấy tờ"):
        issue_document(kind=FormKind.SUPPLEMENT, by=desk.clerk, dossier=dossier)


def test_refusal_gives_the_reason_and_its_legal_basis(desk):
    dossier = received_dossier(desk, code=None, status=Status.REFUSED, received_at=None, due_at=None,
                               outcome_reason="Việc đăng ký khai sinh không thuộc thẩm quyền của Trung tâm.",
                               outcome_legal_basis="Điều 13 Luật Hộ tịch 2014")
    issued = issue_document(kind=FormKind.REFUSAL, by=desk.clerk, dossier=dossier)
    assert_has(
        text_of(issued), *national_heading(issued),
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Ông/Bà: Nguyễn Thị Hồng Nhung",
        "Số điện thoại: 0912345678", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "Lý do: Việc đăng ký khai sinh không thuộc thẩm quyền của Trung tâm.",
        "Căn cứ pháp lý: Điều 13 Luật Hộ tịch 2014", "Lê Văn Tiếp Nhận",
    )


def test_refusal_without_a_reason_is_an_error(desk):
    dossier = received_dossier(desk, status=Status.REFUSED, outcome_reason="   ")
    with pytest.raises(DomainError, match="lý do"):
        issue_document(kind=FormKind.REFUSAL, by=desk.clerk, dossier=dossier)


# --- 04 apology, 05 stop ---------------------------------------------------------------------------------

def test_apology_names_the_original_and_the_new_appointment(desk):
    dossier = received_dossier(desk, status=Status.PROCESSING, current_agency=desk.justice,
                               due_at=at("10/11/2023 16:00"))
    Extension.objects.create(dossier=dossier, previous_due_at=at("03/11/2023 09:32"),
                             new_due_at=at("10/11/2023 16:00"), reason="Chờ kết quả xác minh của UBND xã",
                             responsible_agency=desk.justice, created_by=desk.leader)
    issued = issue_document(kind=FormKind.APOLOGY, by=desk.leader, dossier=dossier, agency=desk.justice,
                            extra={"signer_title": "GIÁM ĐỐC", "signer_name": "Hoàng Minh Phê Duyệt"})
    text = text_of(issued)
    assert_has(
        text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f"Số: {issued.number}", "SỞ TƯ PHÁP TỈNH THANH HÓA",
        "VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Ông/Bà Nguyễn Thị Hồng Nhung",
        "Ngày 27/10/2023", "hồ sơ mã số 000.00.06.H56-231027-0361",
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: Thứ Sáu, 03/11/2023 09:32",
        "Sở Tư pháp tỉnh Thanh Hóa chưa trả kết quả", "Lý do: Chờ kết quả xác minh của UBND xã",
        "xin lỗi Ông/Bà", "vào: Thứ Sáu, 10/11/2023 16:00", "GIÁM ĐỐC", "Hoàng Minh Phê Duyệt",
    )
    assert issued.agency == desk.justice and issued.number.endswith("/XLHL")


def test_apology_needs_a_new_appointment(desk):
    with pytest.raises(Conflict):
        issue_document(kind=FormKind.APOLOGY, by=desk.clerk, dossier=received_dossier(desk))


def test_stop_notice_gives_reason_and_basis(desk):
    dossier = received_dossier(desk, status=Status.STOPPED, completed_at=at("01/11/2023 10:15"),
                               outcome_reason="Công dân không bổ sung hồ sơ trong thời hạn",
                               outcome_legal_basis="Khoản 3 Điều 20 Nghị định 118/2025/NĐ-CP")
    issued = issue_document(kind=FormKind.STOP, by=desk.clerk, dossier=dossier)
    assert_has(
        text_of(issued), *national_heading(issued),
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Kính gửi: Ông/Bà Nguyễn Thị Hồng Nhung",
        "hồ sơ mã số 000.00.06.H56-231027-0361", "kể từ 10:15 ngày 01/11/2023",
        "Lý do: Công dân không bổ sung hồ sơ trong thời hạn",
        "Căn cứ pháp lý: Khoản 3 Điều 20 Nghị định 118/2025/NĐ-CP",
    )


def test_stop_notice_without_a_reason_is_an_error(desk):
    with pytest.raises(DomainError):
        issue_document(kind=FormKind.STOP, by=desk.clerk, dossier=received_dossier(desk, status=Status.STOPPED))


# --- 06 process-control sheet ----------------------------------------------------------------------------

def test_control_sheet_follows_the_step_log(desk):
    dossier = with_checklist(received_dossier(desk, status=Status.RETURNED, returned_at=at("03/11/2023 08:30"),
                                              completed_at=at("02/11/2023 16:00")))
    log = [
        # action, at, by, to_user, from, to, step deadline
        ("receive", "27/10/2023 09:32", desk.clerk, None, desk.centre, desk.justice, "27/10/2023 13:30"),
        ("assign", "27/10/2023 10:05", desk.leader, desk.specialist, desk.justice, desk.justice, "01/11/2023 09:32"),
        ("send_for_approval", "02/11/2023 08:10", desk.specialist, desk.leader, desk.justice, desk.justice,
         "02/11/2023 17:00"),
        ("approve", "02/11/2023 16:00", desk.leader, None, desk.justice, desk.centre, None),
        ("return_result", "03/11/2023 08:30", desk.clerk, None, desk.centre, None, None),
    ]
    StepLog.objects.bulk_create([
        StepLog(dossier=dossier, action=action, to_status=Status.PROCESSING, at=at(when), by=by, to_user=to_user,
                from_agency=src, to_agency=dst, step_due_at=at(due) if due else None, note=f"ghi chú {action}")
        for action, when, by, to_user, src, dst, due in log
    ])
    issued = issue_document(kind=FormKind.CONTROL_SHEET, by=desk.clerk, dossier=dossier)
    text = text_of(issued)
    assert_has(
        text, *national_heading(issued), "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mã hồ sơ: 000.00.06.H56-231027-0361", "Người nộp hồ sơ: Nguyễn Thị Hồng Nhung",
        "Thời gian nhận hồ sơ: 09:32 ngày 27/10/2023", "Thời hạn giải quyết: 5 ngày làm việc",
        "Thời gian trả kết quả: Thứ Sáu, 03/11/2023 09:32", "Giấy chứng sinh",
        "I. GIAO HỒ SƠ", "Bên giao", "Bên nhận", "Hạn xử lý của bước",
        # receive: handed on at 10:05, step due 13:30 the same day → on time (same day)
        "1 Tiếp nhận hồ sơ Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa — Lê Văn Tiếp Nhận "
        "Sở Tư pháp tỉnh Thanh Hóa 09:32 ngày 27/10/2023 13:30 ngày 27/10/2023 Đúng hạn ghi chú receive",
        # assign: the specialist passed it on 02/11, a day after the step's deadline → late
        "2 Phân công xử lý Sở Tư pháp tỉnh Thanh Hóa — Hoàng Minh Phê Duyệt "
        "Sở Tư pháp tỉnh Thanh Hóa — Phạm Thu Thẩm Định 10:05 ngày 27/10/2023 09:32 ngày 01/11/2023 Quá hạn",
        "3 Trình phê duyệt", "08:10 ngày 02/11/2023 17:00 ngày 02/11/2023 Đúng hạn",
        "II. NHẬN KẾT QUẢ",
        # results judged against the appointment 03/11: approved the day before → early; returned on the day
        "1 Phê duyệt kết quả Sở Tư pháp tỉnh Thanh Hóa — Hoàng Minh Phê Duyệt Trung tâm Phục vụ hành chính "
        "công tỉnh Thanh Hóa 16:00 ngày 02/11/2023 Trước hạn",
        "2 Trả kết quả Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa — Lê Văn Tiếp Nhận Nguyễn Thị Hồng Nhung "
        "08:30 ngày 03/11/2023 Đúng hạn",
        "NGƯỜI GIAO", "NGƯỜI NHẬN",
    )
    assert not read(issued).pages[0].images  # an internal sheet: no QR


# --- 07 tracking book ------------------------------------------------------------------------------------

@pytest.fixture
def book(desk):
    """Three dossiers received in the first week of November 2023, one just outside it, one elsewhere."""
    first = received_dossier(desk, code="000.00.06.H56-231101-0001", received_at=at("01/11/2023 08:05"),
                             due_at=at("08/11/2023 08:05"), original_due_at=at("08/11/2023 08:05"),
                             status=Status.RETURNED, completed_at=at("06/11/2023 15:00"),
                             returned_at=at("07/11/2023 09:00"), collected_on_behalf=True,
                             collected_by_name="Trần Văn Nhận Thay")
    second = received_dossier(desk, code="000.00.06.H56-231103-0002", applicant_name="Đỗ Quang Vinh",
                              applicant_phone="0903111222", applicant_address="Phường Đông Sơn",
                              received_at=at("03/11/2023 14:20"), due_at=at("13/11/2023 14:20"),
                              original_due_at=at("10/11/2023 14:20"), status=Status.PROCESSING)
    third = received_dossier(desk, code="000.00.06.H56-231107-0003", applicant_name="Lương Thị Ánh",
                             received_at=at("07/11/2023 23:59"), due_at=at("15/11/2023 08:00"),
                             original_due_at=at("15/11/2023 08:00"), status=Status.STOPPED,
                             outcome_reason="Hồ sơ giả mạo")
    received_dossier(desk, code="000.00.06.H56-231108-0004", received_at=at("08/11/2023 00:00"))
    received_dossier(desk, code="000.00.07.H56-231102-0001", receiving_agency=desk.justice,
                     received_at=at("02/11/2023 09:00"))
    return [first, second, third]


def test_tracking_book_pdf_lists_the_period(desk, book):
    issued = issue_document(kind=FormKind.TRACKING_BOOK, by=desk.clerk, agency=desk.centre,
                            period=(date(2023, 11, 1), date(2023, 11, 7)))
    text = text_of(issued)
    assert_has(
        text, *national_heading(issued), "SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/11/2023 đến ngày 07/11/2023",
        *documents.TRACKING_BOOK_HEADERS,
        "1 000.00.06.H56-231101-0001 Đăng ký khai sinh Nguyễn Thị Hồng Nhung Số 12 phố Trần Phú, phường Hạc Thành, "
        "tỉnh Thanh Hóa 0912345678 08:05 ngày 01/11/2023 08:05 ngày 08/11/2023 15:00 ngày 06/11/2023 "
        "09:00 ngày 07/11/2023 Nhận thay: Trần Văn Nhận Thay",
        "2 000.00.06.H56-231103-0002 Đăng ký khai sinh Đỗ Quang Vinh Phường Đông Sơn 0903111222 "
        "14:20 ngày 03/11/2023 14:20 ngày 10/11/2023 Hẹn lại 13/11/2023",
        "3 000.00.06.H56-231107-0003", "Lương Thị Ánh", "Dừng xử lý",
        "Tổng số hồ sơ tiếp nhận trong kỳ: 3",
    )
    assert "231108-0004" not in text and "000.00.07.H56" not in text
    page = read(issued).pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    assert (issued.dossier, issued.period_start, issued.period_end) == (None, date(2023, 11, 1), date(2023, 11, 7))


def test_tracking_book_excel_has_the_same_rows_as_the_pdf(desk, book, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        data = tracking_book_xlsx(agency=desk.centre, start=date(2023, 11, 1), end=date(2023, 11, 7))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "SỔ THEO DÕI HỒ SƠ — Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
    assert rows[1][0] == "Từ ngày 01/11/2023 đến ngày 07/11/2023"
    assert rows[2] == documents.TRACKING_BOOK_HEADERS
    body = rows[3:]
    assert [r[1] for r in body] == [d.code for d in book]
    assert body[0] == (1, "000.00.06.H56-231101-0001", "Đăng ký khai sinh", "Nguyễn Thị Hồng Nhung",
                       "Số 12 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa", "0912345678",
                       datetime(2023, 11, 1, 8, 5), datetime(2023, 11, 8, 8, 5), datetime(2023, 11, 6, 15, 0),
                       datetime(2023, 11, 7, 9, 0), "Nhận thay: Trần Văn Nhận Thay")
    assert body[2][3] == "Lương Thị Ánh" and body[2][10] == "Dừng xử lý"

    pdf_text = text_of(issue_document(kind=FormKind.TRACKING_BOOK, by=desk.clerk, agency=desk.centre,
                                      period=(date(2023, 11, 1), date(2023, 11, 7))))
    positions = [pdf_text.index(f"{r[0]} {r[1]} {r[2]} {r[3]}") for r in body]
    assert positions == sorted(positions)


def test_tracking_book_pdf_is_capped_and_points_to_excel(desk, book, settings):
    settings.TRACKING_BOOK_PDF_MAX_ROWS = 2
    with pytest.raises(DomainError, match="Excel"):
        issue_document(kind=FormKind.TRACKING_BOOK, by=desk.clerk, agency=desk.centre,
                       period=(date(2023, 11, 1), date(2023, 11, 7)))
    assert not IssuedDocument.objects.exists()


def test_tracking_book_needs_a_period(desk):
    with pytest.raises(DomainError):
        issue_document(kind=FormKind.TRACKING_BOOK, by=desk.clerk, agency=desk.centre,
                       period=(date(2023, 11, 7), date(2023, 11, 1)))


# --- the result hand-over note -------------------------------------------------------------------------

def test_handover_note_records_who_collected_the_result(desk):
    dossier = received_dossier(desk, status=Status.RETURNED, returned_at=at("03/11/2023 08:30"),
                               result_summary="Giấy khai sinh bản chính số 125/2023",
                               collected_by_name="Trần Văn Nhận Thay", collected_by_id_number="038090001111",
                               collected_on_behalf=True)
    StepLog.objects.create(dossier=dossier, action="return_result", to_status=Status.RETURNED, by=desk.clerk,
                           at=at("03/11/2023 08:30"))
    issued = issue_document(kind=FormKind.HANDOVER, by=desk.clerk, dossier=dossier)
    assert_has(
        text_of(issued), *national_heading(issued), "GIẤY BIÊN NHẬN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.00.06.H56-231027-0361",
        "Thủ tục hành chính: Đăng ký khai sinh (mã thủ tục 1.001193)",
        "Chủ hồ sơ: Nguyễn Thị Hồng Nhung, Căn cước công dân số 038190012345",
        "Người trả kết quả: Lê Văn Tiếp Nhận",
        "Người nhận kết quả: Trần Văn Nhận Thay, giấy tờ tùy thân số 038090001111 (nhận thay chủ hồ sơ)",
        "Kết quả giải quyết: Giấy khai sinh bản chính số 125/2023",
        "Thời gian trả kết quả: 08:30 ngày 03/11/2023", "NGƯỜI NHẬN KẾT QUẢ", "NGƯỜI TRẢ KẾT QUẢ",
    )
    assert issued.number.endswith("/BNKQ")
    assert f"/tra-cuu/t/{dossier.tracking_token}/" in qr_text(issued)


def test_handover_note_by_post_names_the_postal_item(desk):
    dossier = received_dossier(desk, status=Status.RETURNED, delivery="postal", returned_at=at("03/11/2023 08:30"),
                               postal_tracking_number="EN123456789VN")
    text = text_of(issue_document(kind=FormKind.HANDOVER, by=desk.clerk, dossier=dossier))
    assert "Qua dịch vụ bưu chính công ích, số hiệu bưu gửi: EN123456789VN" in text
    assert "Người nhận kết quả" not in text


def test_handover_note_needs_a_returned_dossier(desk):
    with pytest.raises(Conflict):
        issue_document(kind=FormKind.HANDOVER, by=desk.clerk, dossier=received_dossier(desk))


def test_control_sheet_wraps_a_long_note_inside_its_column(desk):
    dossier = with_checklist(received_dossier(desk))
    note = "Đã đối chiếu bản chính; tệp scan lưu tại HS-000.00.06.H56-231027-0361/giay-chung-sinh-ban-chinh.pdf"
    StepLog.objects.create(dossier=dossier, action="assign", to_status=Status.PROCESSING, at=at("27/10/2023 10:05"),
                           by=desk.leader, from_agency=desk.justice, to_agency=desk.justice, note=note)
    page = read(issue_document(kind=FormKind.CONTROL_SHEET, by=desk.clerk, dossier=dossier)).pages[0]
    runs = []
    # (text, x where it starts, font size) in points: WeasyPrint draws in CSS pixels scaled by cm.
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append(
        (text.strip(), tm[4] * cm[0] + cm[4], size * cm[0])))
    # Where each line of the note ends, taking Liberation Serif's glyphs as half an em wide (a generous guess).
    ends = [x + 0.5 * size * len(text) for text, x, size in runs if text and text in note]
    assert len(ends) >= 2, "the note is wrapped over several lines of its column"
    assert max(ends) <= float(page.mediabox.width), "the note runs past the right edge of the page"
