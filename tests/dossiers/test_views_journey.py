"""The citizen's online submission journey, page by page, with plain POSTs (no JavaScript) and htmx autosave."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from dossiers.models import Attachment, Dossier, Status
from procedures.models import ProcedureCase, RequiredDocument
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory, citizen

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name="giay-to.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def agency():
    return AgencyFactory(code="000.00.06.H56", name="UBND phường Hạc Thành")


@pytest.fixture
def procedure(agency):
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    procedure.agencies.add(agency)
    return procedure


@pytest.fixture
def person():
    return citizen(full_name="Lê Thị Mai", phone="0912345678", cccd="038187042028", email="mai@example.vn",
                   address="12 Lê Lợi, phường Hạc Thành")


@pytest.fixture
def web(client, person):
    client.force_login(person)
    return client


def start(web, procedure) -> Dossier:
    response = web.post(reverse("dossiers:submit-start", args=[procedure.code]))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dossier.objects.get()


def documents(dossier):
    return list(dossier.case.documents.order_by("order"))


# --- start ---------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, procedure):
    response = client.get(reverse("dossiers:submit-start", args=[procedure.code]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_start_page_lists_the_documents_to_prepare(web, procedure):
    response = web.get(reverse("dossiers:submit-start", args=[procedure.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đăng ký khai sinh" in page
    assert "Tờ khai theo mẫu" in page and "Giấy tờ tùy thân" in page
    assert "Bắt đầu nộp hồ sơ" in page


def test_starting_creates_a_draft_prefilled_from_the_account(web, procedure, person, agency):
    dossier = start(web, procedure)
    assert dossier.status == Status.DRAFT
    assert dossier.submitted_by == person
    assert (dossier.applicant_name, dossier.applicant_phone, dossier.applicant_id_number) == (
        "Lê Thị Mai", "0912345678", "038187042028")
    assert dossier.applicant_address == "12 Lê Lợi, phường Hạc Thành"
    assert dossier.receiving_agency == agency
    assert dossier.case == procedure.current_version.cases.get()


def test_unknown_procedure_is_404(web):
    assert web.get(reverse("dossiers:submit-start", args=["9.999999"])).status_code == 404


def test_procedure_without_online_service_refuses_and_saves_nothing(web, procedure):
    procedure.accepts_online = False
    procedure.save()
    page = web.get(reverse("dossiers:submit-start", args=[procedure.code])).content.decode()
    assert "chưa nhận hồ sơ trực tuyến" in page
    response = web.post(reverse("dossiers:submit-start", args=[procedure.code]))
    assert response.status_code == 409
    assert not Dossier.objects.exists()


def test_several_cases_must_be_chosen(web, procedure):
    version = procedure.current_version
    second = ProcedureCase.objects.create(version=version, name="Khai sinh có yếu tố nước ngoài", order=2,
                                          legal_time=15)
    RequiredDocument.objects.create(case=second, order=1, name="Giấy tờ của cha mẹ là người nước ngoài")
    url = reverse("dossiers:submit-start", args=[procedure.code])

    response = web.post(url)
    assert response.status_code == 400
    assert "Hãy chọn trường hợp phù hợp với bạn." in response.content.decode()
    assert not Dossier.objects.exists()

    assert web.post(url, {"case": second.pk}).status_code == 302
    assert Dossier.objects.get().case == second


def test_procedure_at_several_agencies_asks_where_to_file(web, procedure):
    other = AgencyFactory(code="000.00.99.H56", name="UBND xã Đông Sơn")
    procedure.agencies.add(other)
    url = reverse("dossiers:submit-start", args=[procedure.code])
    response = web.post(url)
    assert response.status_code == 400
    assert "Hãy chọn cơ quan tiếp nhận hồ sơ." in response.content.decode()
    assert web.post(url, {"agency": other.pk}).status_code == 302
    assert Dossier.objects.get().receiving_agency == other


def test_staff_without_citizen_role_gets_the_services_answer(client, procedure, agency):
    specialist = UserFactory(role=Role.SPECIALIST, agency=agency)
    client.force_login(specialist)
    response = client.post(reverse("dossiers:submit-start", args=[procedure.code]))
    assert response.status_code == 403
    assert "Chỉ công dân mới lập được hồ sơ trực tuyến" in response.content.decode()
    assert not Dossier.objects.exists()


def test_existing_draft_is_offered_for_resuming(web, procedure):
    dossier = start(web, procedure)
    page = web.get(reverse("dossiers:submit-start", args=[procedure.code])).content.decode()
    assert reverse("dossiers:submit-details", args=[dossier.pk]) in page


# --- applicant details ---------------------------------------------------------------------------------------


def details(dossier, **changes):
    data = {
        "applicant_name": dossier.applicant_name, "applicant_id_type": "cccd",
        "applicant_id_number": dossier.applicant_id_number, "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email, "applicant_address": dossier.applicant_address,
        "delivery": "desk",
    }
    data.update(changes)
    return data


def test_details_page_is_prefilled(web, procedure):
    dossier = start(web, procedure)
    page = web.get(reverse("dossiers:submit-details", args=[dossier.pk])).content.decode()
    assert 'value="Lê Thị Mai"' in page and 'value="0912345678"' in page
    assert "hx-post" in page  # autosave for browsers with JavaScript


def test_details_saved_and_journey_goes_to_first_document(web, procedure):
    dossier = start(web, procedure)
    response = web.post(reverse("dossiers:submit-details", args=[dossier.pk]),
                        details(dossier, applicant_address="5 Trần Phú", delivery="postal"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:submit-document", args=[dossier.pk, 1])
    dossier.refresh_from_db()
    assert (dossier.applicant_address, dossier.delivery) == ("5 Trần Phú", "postal")


@pytest.mark.parametrize("field, value, message", [
    ("applicant_phone", "12345", "Số điện thoại di động không hợp lệ"),
    ("applicant_id_number", "12345", "Số CCCD phải gồm đúng 12 chữ số."),
    ("applicant_name", "", "Vui lòng nhập thông tin này."),
    ("applicant_email", "khong-phai-email", "Địa chỉ thư điện tử không hợp lệ."),
    # Only a fully online procedure returns results online.
    ("delivery", "online", "Thủ tục này không trả kết quả theo hình thức đã chọn."),
])
def test_bad_details_show_a_vietnamese_error_and_save_nothing(web, procedure, field, value, message):
    dossier = start(web, procedure)
    before = Dossier.objects.values().get(pk=dossier.pk)
    response = web.post(reverse("dossiers:submit-details", args=[dossier.pk]),
                        details(dossier, **{field: value}, applicant_address="Địa chỉ mới"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dossier.objects.values().get(pk=dossier.pk) == before


def test_autosave_keeps_valid_fields_and_reports_the_time(web, procedure):
    dossier = start(web, procedure)
    response = web.post(reverse("dossiers:submit-details", args=[dossier.pk]),
                        details(dossier, applicant_address="99 Bà Triệu", applicant_phone="123"),
                        headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "Đã lưu lúc" in fragment
    assert "Số điện thoại di động" in fragment  # the invalid field is named, not saved
    assert "<html" not in fragment
    dossier.refresh_from_db()
    assert dossier.applicant_address == "99 Bà Triệu"
    assert dossier.applicant_phone == "0912345678"


def test_another_citizen_cannot_open_a_draft(client, web, procedure):
    dossier = start(web, procedure)
    client.force_login(citizen())
    for name, args in [("submit-details", [dossier.pk]), ("submit-document", [dossier.pk, 1]),
                       ("submit-review", [dossier.pk]), ("submit-done", [dossier.pk])]:
        assert client.get(reverse(f"dossiers:{name}", args=args)).status_code == 404
    response = client.post(reverse("dossiers:submit-details", args=[dossier.pk]),
                           details(dossier, applicant_name="Kẻ gian"))
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.applicant_name == "Lê Thị Mai"


# --- documents -----------------------------------------------------------------------------------------------


def test_upload_a_real_pdf_then_continue(web, procedure):
    dossier = start(web, procedure)
    url = reverse("dossiers:submit-document", args=[dossier.pk, 1])
    response = web.post(url, {"files": [pdf("to-khai.pdf")], "copy_kind": "original", "upload": "1"})
    assert response.status_code == 302 and response["Location"] == url
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.copy_kind) == (
        "to-khai.pdf", "application/pdf", "original")
    assert attachment.required_document == documents(dossier)[0]
    page = web.get(url).content.decode()
    assert "Đã tải lên: to-khai.pdf" in page  # the per-file status after the redirect
    assert reverse("dossiers:attachment", args=[attachment.pk]) in page

    response = web.post(url, {"copy_kind": "photocopy", "next": "1"})
    assert response["Location"] == reverse("dossiers:submit-document", args=[dossier.pk, 2])


def test_several_files_each_get_their_own_status(web, procedure):
    dossier = start(web, procedure)
    fake = SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"files": [pdf("trang-1.pdf"), fake], "copy_kind": "photocopy", "upload": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "trang-1.pdf" in page and "Đã tải lên" in page
    assert "Nội dung tệp “hop-dong.pdf” không phải là một loại tệp được chấp nhận" in page
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["trang-1.pdf"]


def test_disguised_file_is_refused_and_nothing_saved(web, procedure):
    dossier = start(web, procedure)
    html = SimpleUploadedFile("anh.jpg", PDF, content_type="image/jpeg")  # a PDF dressed as a photo
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"files": [html], "copy_kind": "photocopy", "next": "1"})
    assert response.status_code == 400
    assert "không khớp với nội dung thật của tệp" in response.content.decode()
    assert not Attachment.objects.exists()


def test_oversize_file_is_refused(web, procedure, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    dossier = start(web, procedure)
    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"files": [big], "copy_kind": "photocopy", "upload": "1"})
    assert response.status_code == 400
    assert "vượt quá mức cho phép" in response.content.decode()
    assert not Attachment.objects.exists()


def test_path_traversal_name_is_reduced_to_a_label(web, procedure):
    dossier = start(web, procedure)
    web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
             {"files": [pdf("../../etc/passwd.pdf")], "copy_kind": "photocopy", "upload": "1"})
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.pdf"
    assert ".." not in attachment.file.name


def test_required_document_cannot_be_skipped(web, procedure):
    dossier = start(web, procedure)
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"copy_kind": "photocopy", "next": "1"})
    assert response.status_code == 400
    assert "Đây là giấy tờ bắt buộc" in response.content.decode()


def test_upload_without_a_file_says_so(web, procedure):
    dossier = start(web, procedure)
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"copy_kind": "photocopy", "upload": "1"})
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một tệp để tải lên." in response.content.decode()


def test_optional_document_offers_skip(web, procedure):
    dossier = start(web, procedure)
    RequiredDocument.objects.filter(case=dossier.case, order=2).update(is_required=False)
    page = web.get(reverse("dossiers:submit-document", args=[dossier.pk, 2])).content.decode()
    assert "Bỏ qua giấy tờ này" in page
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 2]),
                        {"copy_kind": "photocopy", "next": "1"})
    assert response["Location"] == reverse("dossiers:submit-review", args=[dossier.pk])


def test_document_index_out_of_range_is_404(web, procedure):
    dossier = start(web, procedure)
    assert web.get(reverse("dossiers:submit-document", args=[dossier.pk, 3])).status_code == 404
    assert web.get(reverse("dossiers:submit-document", args=[dossier.pk, 0])).status_code == 404


def test_remove_an_uploaded_file(web, procedure):
    dossier = start(web, procedure)
    web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
             {"files": [pdf("nham.pdf")], "copy_kind": "photocopy", "upload": "1"})
    attachment = Attachment.objects.get()
    response = web.post(reverse("dossiers:submit-remove-attachment", args=[dossier.pk, attachment.pk]))
    assert response["Location"] == reverse("dossiers:submit-document", args=[dossier.pk, 1])
    assert not Attachment.objects.exists()


def test_others_cannot_remove_a_file(client, web, procedure):
    dossier = start(web, procedure)
    web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
             {"files": [pdf()], "copy_kind": "photocopy", "upload": "1"})
    attachment = Attachment.objects.get()
    client.force_login(citizen())
    response = client.post(reverse("dossiers:submit-remove-attachment", args=[dossier.pk, attachment.pk]))
    assert response.status_code == 404
    assert Attachment.objects.exists()


# --- review, submit, confirmation -----------------------------------------------------------------------------


def upload_all(web, dossier):
    for index in (1, 2):
        web.post(reverse("dossiers:submit-document", args=[dossier.pk, index]),
                 {"files": [pdf(f"giay-to-{index}.pdf")], "copy_kind": "photocopy", "upload": "1"})


def test_review_lists_what_is_missing_and_refuses_to_submit(web, procedure):
    dossier = start(web, procedure)
    response = web.post(reverse("dossiers:submit-review", args=[dossier.pk]), {"declaration": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Còn thiếu giấy tờ bắt buộc: Tờ khai theo mẫu." in page
    assert reverse("dossiers:submit-document", args=[dossier.pk, 1]) in page
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT and dossier.code is None


def test_review_requires_the_declaration(web, procedure):
    dossier = start(web, procedure)
    upload_all(web, dossier)
    response = web.post(reverse("dossiers:submit-review", args=[dossier.pk]), {})
    assert response.status_code == 400
    assert "Hãy xác nhận lời cam đoan trước khi nộp hồ sơ." in response.content.decode()
    assert Dossier.objects.get().status == Status.DRAFT


def test_submit_gives_a_code_and_an_indicative_appointment(web, procedure):
    dossier = start(web, procedure)
    upload_all(web, dossier)
    review = web.get(reverse("dossiers:submit-review", args=[dossier.pk])).content.decode()
    assert "giay-to-1.pdf" in review and "Lê Thị Mai" in review
    response = web.post(reverse("dossiers:submit-review", args=[dossier.pk]), {"declaration": "on"})
    assert response["Location"] == reverse("dossiers:submit-done", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.code.startswith("000.00.06.H56-")
    page = web.get(response["Location"]).content.decode()
    assert dossier.code in page
    assert "Ngày hẹn trả kết quả dự kiến" in page and "chỉ là dự kiến" in page
    assert any(day in page for day in ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu"))


def test_submitted_dossier_leaves_the_journey(web, procedure):
    dossier = start(web, procedure)
    upload_all(web, dossier)
    web.post(reverse("dossiers:submit-review", args=[dossier.pk]), {"declaration": "on"})
    response = web.get(reverse("dossiers:submit-details", args=[dossier.pk]))
    assert response["Location"] == reverse("dossiers:my-dossier", args=[dossier.pk])
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]),
                        {"files": [pdf()], "copy_kind": "photocopy", "upload": "1"})
    assert response.status_code == 302
    assert Attachment.objects.count() == 2


def test_done_page_of_a_draft_goes_back_to_review(web, procedure):
    dossier = start(web, procedure)
    response = web.get(reverse("dossiers:submit-done", args=[dossier.pk]))
    assert response["Location"] == reverse("dossiers:submit-review", args=[dossier.pk])


def test_multipart_without_javascript_posts_normally(web, procedure):
    """The upload form is a plain multipart form: what a browser without JavaScript sends works."""
    dossier = start(web, procedure)
    data = {"files": io.BytesIO(PDF), "copy_kind": "photocopy", "upload": "1"}
    data["files"].name = "quet.pdf"
    response = web.post(reverse("dossiers:submit-document", args=[dossier.pk, 1]), data)
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "quet.pdf"


def test_autosave_after_submission_or_logout_moves_the_whole_page(client, web, procedure):
    dossier = start(web, procedure)
    upload_all(web, dossier)
    web.post(reverse("dossiers:submit-review", args=[dossier.pk]), {"declaration": "on"})
    url = reverse("dossiers:submit-details", args=[dossier.pk])
    response = web.post(url, details(dossier, applicant_address="Muộn"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("dossiers:my-dossier", args=[dossier.pk])
    web.logout()
    response = web.post(url, details(dossier), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))
    assert Dossier.objects.get(pk=dossier.pk).applicant_address != "Muộn"
