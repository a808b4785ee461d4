"""The clerk's day at the desk in a real browser: receive a walk-in dossier, ask for supplements, return a result.

Driven mostly from the keyboard, as a clerk works: autofocus, ↓/Enter in the procedure search, Enter submits.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from dossiers.models import Dossier, FormKind, IssuedDocument, Status
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory, UserFactory

from .helpers import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "matkhau-Manh-2026"
CCCD = "038190012345"


@pytest.fixture
def desk(db):
    agency = AgencyFactory(name="UBND phường Hạc Thành", address="Số 1 Lê Lợi, phường Hạc Thành")
    clerk = UserFactory(role=Role.CLERK, agency=agency, full_name="Trần Thị Một Cửa")
    procedure = ProcedureFactory(name="Đăng ký khai sinh", fee_vnd=0)
    procedure.agencies.add(agency)
    return agency, clerk, procedure


def open_intake(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Tiếp nhận hồ sơ mới")).click()
    search = page.get_by_label("Thủ tục hành chính")
    expect(search).to_be_focused()
    search.fill("dang ky khai sinh")  # no diacritics: the catalog's search folds them
    expect(page.locator("#proc-results a").first).to_contain_text("Đăng ký khai sinh")
    search.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tiếp nhận hồ sơ: Đăng ký khai sinh")
    expect(page.get_by_label(re.compile("^Số giấy tờ"))).to_be_focused()


def test_desk_journey_receive_supplement_return(page: Page, desk, sample_pdf):
    agency, clerk, procedure = desk
    login(page, clerk.username, PASSWORD)
    page.get_by_role("link", name="Một cửa", exact=True).click()
    expect(page.get_by_role("heading", name="Bộ phận Một cửa")).to_be_visible()

    # 1. A walk-in dossier, complete: received, the receipt is shown.
    open_intake(page)
    page.keyboard.type(CCCD)
    page.get_by_label("Họ và tên người nộp").fill("Lê Thị Hoa")
    page.get_by_label("Số điện thoại di động").fill("0912000111")
    page.get_by_label("Địa chỉ liên hệ").fill("Số 5 Lê Lợi, phường Hạc Thành")
    page.get_by_role("checkbox", name="Tờ khai theo mẫu").check()
    page.get_by_role("checkbox", name="Giấy tờ tùy thân").check()
    page.get_by_label("Bản quét: Tờ khai theo mẫu", exact=True).set_input_files(str(sample_pdf))
    page.get_by_role("radio", name=re.compile("Tiếp nhận — hồ sơ đầy đủ")).check()
    expect(page.get_by_role("button", name=re.compile("Tiếp nhận và in giấy tiếp nhận"))).to_be_visible()
    page.get_by_label("Địa chỉ liên hệ").press("Enter")  # Enter submits the form
    expect(page.get_by_text("Đã tiếp nhận hồ sơ")).to_be_visible()
    first = Dossier.objects.get()
    assert first.status == Status.RECEIVED and first.attachments.count() == 1
    expect(page.get_by_test_id("dossier-code")).to_have_text(first.code)
    print_link = page.get_by_test_id("print-latest")
    expect(print_link).to_be_focused()
    receipt = IssuedDocument.objects.get(dossier=first, kind=FormKind.RECEIPT)
    pdf = page.request.get(print_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert pdf.body() == receipt.file.open("rb").read()

    # 2. The same person again, a document missing: the CCCD fills in the rest; supplements are requested.
    open_intake(page)
    page.keyboard.type(CCCD)
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Lê Thị Hoa")  # prefilled (htmx)
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("0912000111")
    page.get_by_role("checkbox", name="Tờ khai theo mẫu").check()
    page.get_by_role("radio", name=re.compile("Yêu cầu bổ sung — ")).check()
    page.get_by_role("button", name=re.compile("Lập phiếu yêu cầu bổ sung")).click()
    # The missing document has no reason yet: a clear error, nothing saved.
    expect(page.get_by_test_id("desk-error")).to_contain_text("Giấy tờ tùy thân")
    assert Dossier.objects.count() == 1
    page.get_by_label("Lý do cần bổ sung: Giấy tờ tùy thân").fill("Chưa có bản sao CCCD")
    page.get_by_label("Giấy tờ khác cần bổ sung 1").fill("Giấy chứng sinh")
    page.get_by_label("Lý do 1").fill("Cần bản chính do cơ sở y tế cấp")
    page.get_by_role("button", name=re.compile("Lập phiếu yêu cầu bổ sung")).click()
    expect(page.get_by_text("Đã lập phiếu yêu cầu bổ sung")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"))).to_be_visible()
    expect(page.get_by_text("Chưa có bản sao CCCD")).to_be_visible()
    second = Dossier.objects.exclude(pk=first.pk).get()
    assert second.status == Status.SUPPLEMENT
    assert [i["document"] for i in second.pauses.get().items] == ["Giấy tờ tùy thân", "Giấy chứng sinh"]

    # 3. A result is ready (prepared with the services): found by phone, handed over, the note issued.
    ready = DossierFactory(procedure=procedure, receiving_agency=agency, walk_in=True, result_ready=True,
                           applicant_name="Phạm Văn Nhận", applicant_phone="0987654321")
    page.get_by_role("link", name=re.compile("Trả kết quả")).first.click()
    search = page.get_by_label("Mã hồ sơ, số CCCD hoặc số điện thoại người nộp")
    expect(search).to_be_focused()
    search.fill("0987654321")
    search.press("Enter")
    page.get_by_role("link", name=re.compile(ready.code)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ready.code)
    expect(page.get_by_label("Họ tên người nhận")).to_have_value("Phạm Văn Nhận")
    page.get_by_label("Số giấy tờ tùy thân người nhận").fill("038090001234")
    page.get_by_role("button", name=re.compile("Xác nhận trả kết quả")).click()
    expect(page.get_by_text("Đã trả kết quả hồ sơ")).to_be_visible()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Đã trả kết quả")
    ready.refresh_from_db()
    assert ready.status == Status.RETURNED and ready.collected_by_id_number == "038090001234"
    assert ready.steps.filter(action="return_result", by=clerk).exists()
    assert IssuedDocument.objects.filter(dossier=ready, kind=FormKind.HANDOVER).exists()
    # The full dossier page shows it in the step log.
    page.get_by_role("link", name=re.compile("Trang xử lý đầy đủ")).click()
    expect(page.get_by_text("Trả kết quả").first).to_be_visible()


def test_waiting_room_display_updates_itself_without_reloading(page: Page, desk):
    from reception import queue
    from reception.models import Counter, DeskService, Priority

    agency, clerk, _procedure = desk
    service = DeskService.objects.create(agency=agency, letter="A", name="Hộ tịch, chứng thực")
    counter = Counter.objects.create(agency=agency, number=3, name="Hộ tịch")
    counter.services.set([service])
    queue.ticket_take(service=service)
    queue.ticket_take(service=service, priority=Priority.DISABLED)
    page.goto(f"/mot-cua/man-hinh/{agency.code}/")
    expect(page.get_by_role("heading", name="UBND phường Hạc Thành")).to_be_visible()
    expect(page.locator("#board")).to_contain_text("Chưa gọi số nào.")
    page.evaluate("window.__sameDocument = true")
    queue.ticket_call_next(counter=counter, by=clerk)  # the priority ticket comes first
    expect(page.locator("#board td.num").first).to_contain_text("A002", timeout=10_000)
    expect(page.locator("#board-announce")).to_have_text("Mời số A002 đến quầy 3.")
    assert page.evaluate("window.__sameDocument") is True  # redrawn by htmx, not reloaded
