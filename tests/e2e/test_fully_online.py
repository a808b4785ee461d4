"""The fully online service (toàn trình) end to end in a real browser: the citizen signs in, submits with a
document reused from their store, pays through the sandbox gateway (VNPay protocol), the leader approves,
the desk uploads the signed result — returned online — and the citizen downloads it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.roles import Role
from dossiers import services, store
from dossiers.models import (
    Attachment,
    Dossier,
    FormKind,
    Payment,
    PaymentStatus,
    ResultDownload,
    Status,
    StoredDocumentSource,
)
from procedures.models import OnlineLevel
from tests.factories import TINY_PDF, AgencyFactory, ProcedureFactory, citizen, staff_of

from .helpers import login

pytestmark = pytest.mark.e2e

PASSWORD = "matkhau-Manh-2026"  # tests.factories.UserFactory's password


@pytest.fixture
def world():
    agency = AgencyFactory(code="000.00.06.H56", name="UBND phường Hạc Thành")
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", online_level=OnlineLevel.FULL,
                                 fee_vnd=100_000)
    procedure.agencies.add(agency)
    person = citizen(full_name="Lê Thị Mai", phone="0912345678", cccd="038187042028", email="mai@example.vn",
                     address="12 Lê Lợi, phường Hạc Thành")
    clerk, leader = staff_of(agency, Role.CLERK), staff_of(agency, Role.LEADER)
    specialist = staff_of(agency, Role.SPECIALIST)
    # Last year the desk digitised her identity card into her document store.
    store.store_digitise(citizen=person, by=clerk, title="Căn cước công dân (bản số hóa)",
                         upload=SimpleUploadedFile("cccd.pdf", TINY_PDF))
    return agency, procedure, person, clerk, leader, specialist


def staff_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    login(page, user.username, PASSWORD)
    return context, page


@pytest.fixture
def signed_result(tmp_path):
    """The agency's signed result: a real two-page PDF (not the same bytes as anything the citizen sent)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "ket-qua-ky-so.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_fully_online_submit_pay_approve_and_download(page, browser, live_server, world, sample_pdf, signed_result):
    _agency, _procedure, person, clerk, leader, specialist = world
    login(page, "0912345678", PASSWORD)

    # Submit: the result is to be received online; one document uploaded, the other reused from the store.
    page.goto("/nop-ho-so/1.001193/")
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    page.get_by_label("Nhận trực tuyến").check()
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", name="Tờ khai theo mẫu", exact=True)).to_be_visible()
    page.get_by_label("Chọn tệp để tải lên").set_input_files(sample_pdf)
    page.get_by_role("button", name="Tải lên", exact=True).click()
    expect(page.get_by_text("Đã tải lên: giay-to.pdf")).to_be_visible()
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", name="Giấy tờ tùy thân", exact=True)).to_be_visible()
    picker = page.get_by_label("Chọn giấy tờ trong kho")
    expect(picker).to_contain_text("Căn cước công dân (bản số hóa)")
    picker.select_option(str(person.stored_documents.get(source=StoredDocumentSource.DESK).pk))
    page.get_by_role("button", name="Đính kèm từ kho").click()
    expect(page.get_by_text("Đã đính kèm từ kho giấy tờ: Căn cước công dân (bản số hóa)")).to_be_visible()
    expect(page.get_by_role("link", name="cccd.pdf")).to_be_visible()
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", name="Kiểm tra lại trước khi nộp")).to_be_visible()
    page.get_by_label("Tôi cam đoan").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ thành công")).to_be_visible()
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert dossier.delivery == "online"
    reused = Attachment.objects.get(dossier=dossier, reused=True)
    assert reused.original_name == "cccd.pdf" and reused.required_document.name == "Giấy tờ tùy thân"

    # The payment step of a fully online procedure with a fee: through the gateway and back.
    expect(page.get_by_test_id("payment-status")).to_have_text("Chưa thanh toán")
    page.get_by_role("link", name="Thanh toán trực tuyến").click()
    expect(page.get_by_test_id("payment-amount")).to_have_text("100.000 đồng")
    page.get_by_role("button", name="Thanh toán 100.000 đồng").click()
    expect(page.get_by_role("heading", name="Cổng thanh toán thử nghiệm")).to_be_visible()
    expect(page.get_by_test_id("gateway-amount")).to_have_text("100.000 VND")
    page.get_by_label("Ngân hàng").select_option("VCB")
    page.get_by_role("button", name="Xác nhận thanh toán").click()
    expect(page.get_by_role("heading", name="Thanh toán thành công")).to_be_visible()
    payment = Payment.objects.get(dossier=dossier, status=PaymentStatus.PAID)
    assert payment.bank_code == "VCB" and payment.amount_vnd == 100_000
    assert payment.receipt.kind == FormKind.PAYMENT_RECEIPT
    page.get_by_role("link", name="Xem hồ sơ").click()
    expect(page.get_by_test_id("payment-status")).to_have_text("Đã thanh toán trực tuyến")
    receipt = page.request.get(page.get_by_role("link", name=re.compile("Tải biên lai điện tử")).get_attribute("href"))
    assert receipt.ok and receipt.body().startswith(b"%PDF")

    # The agency works on it (reception and assignment at the desk are covered by their own journeys).
    services.dossier_receive(dossier=dossier, by=clerk)
    services.dossier_assign(dossier=dossier, by=leader, assignee=specialist)
    services.dossier_send_for_approval(dossier=dossier, by=specialist, result_summary="Cấp giấy khai sinh")

    # The leader approves in the browser.
    leader_context, leader_page = staff_page(browser, live_server, leader)
    leader_page.goto(f"/xu-ly/ho-so/{dossier.pk}/")
    leader_page.locator("#action-approve").get_by_role("button", name="Phê duyệt").click()
    expect(leader_page.get_by_text("Đã thực hiện: Phê duyệt kết quả.")).to_be_visible()
    leader_context.close()

    # The desk uploads the signed result: the dossier is returned online at once.
    clerk_context, clerk_page = staff_page(browser, live_server, clerk)
    clerk_page.goto(f"/xu-ly/ho-so/{dossier.pk}/")
    clerk_page.get_by_label("Tệp kết quả đã ký số (PDF)").set_input_files(signed_result)
    clerk_page.get_by_role("button", name="Tải kết quả điện tử lên").click()
    expect(clerk_page.get_by_text("Đã tải kết quả điện tử và trả kết quả trực tuyến cho công dân.")).to_be_visible()
    clerk_context.close()
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.returned_at is not None

    # Public tracking says a result is available and the fee is paid.
    page.goto(f"/tra-cuu/t/{dossier.tracking_token}/")
    expect(page.get_by_test_id("result-available")).to_be_visible()
    expect(page.get_by_test_id("payment-status")).to_have_text("Đã thanh toán trực tuyến")

    # The citizen downloads the result from "my dossiers"; the access is logged; it joins her store.
    page.goto("/ho-so-cua-toi/")
    page.get_by_role("row").filter(has_text=code).get_by_role("link").first.click()
    download = page.get_by_role("link", name="Tải kết quả điện tử")
    expect(download).to_be_visible()
    response = page.request.get(download.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body() == signed_result.read_bytes()
    assert ResultDownload.objects.get(dossier=dossier).user == person
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Kho giấy tờ").click()
    expect(page.get_by_role("row").filter(has_text="Kết quả giải quyết")).to_have_count(1)
    assert person.stored_documents.filter(source=StoredDocumentSource.RESULT, dossier=dossier).exists()
