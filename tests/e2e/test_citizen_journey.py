"""The citizen's online submission, end to end in a real browser (Debian's Chromium through Playwright)."""

import re

import pytest
from playwright.sync_api import expect

from dossiers.models import Attachment, Dossier, Status
from tests.factories import AgencyFactory, ProcedureFactory, citizen

from .helpers import login

pytestmark = pytest.mark.e2e

PASSWORD = "matkhau-Manh-2026"  # tests.factories.UserFactory's password


@pytest.fixture
def world():
    agency = AgencyFactory(code="000.00.06.H56", name="UBND phường Hạc Thành")
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    procedure.agencies.add(agency)
    person = citizen(full_name="Lê Thị Mai", phone="0912345678", cccd="038187042028", email="mai@example.vn",
                     address="12 Lê Lợi, phường Hạc Thành")
    return agency, procedure, person


def test_citizen_submits_online_and_tracks_the_dossier(page, world, sample_pdf):
    person = world[2]
    login(page, "0912345678", PASSWORD)

    # Find the procedure in the public catalog and start from its page.
    page.goto("/thu-tuc/")
    page.get_by_role("searchbox").first.fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="Đăng ký khai sinh").click()
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()
    expect(page.get_by_role("heading", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    expect(page.get_by_text("Tờ khai theo mẫu")).to_be_visible()
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()

    # Applicant details come prefilled from the account; a change is autosaved (htmx) before moving on.
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Lê Thị Mai")
    expect(page.get_by_label("Số giấy tờ")).to_have_value("038187042028")
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("0912345678")
    address = page.get_by_label("Địa chỉ liên hệ")
    with page.expect_response(lambda r: "/thong-tin/" in r.url and r.request.method == "POST") as saved:
        address.fill("25 Trần Phú, phường Hạc Thành")
        address.blur()
    assert saved.value.ok
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Đã lưu lúc \d\d:\d\d"))
    page.reload()  # the autosaved draft survives a reload: nothing was submitted by hand
    expect(page.get_by_label("Địa chỉ liên hệ")).to_have_value("25 Trần Phú, phường Hạc Thành")
    page.get_by_label("Nhận qua bưu chính").check()
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    # One page per required document: upload a real PDF to each.
    for name in ("Tờ khai theo mẫu", "Giấy tờ tùy thân"):
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        page.get_by_label("Chọn tệp để tải lên").set_input_files(sample_pdf)
        page.get_by_role("button", name="Tải lên", exact=True).click()
        expect(page.get_by_text("Đã tải lên: giay-to.pdf")).to_be_visible()
        expect(page.get_by_role("link", name="giay-to.pdf")).to_be_visible()
        page.get_by_role("button", name="Lưu và tiếp tục").click()

    # Check your answers, then submit.
    expect(page.get_by_role("heading", name="Kiểm tra lại trước khi nộp")).to_be_visible()
    expect(page.get_by_text("25 Trần Phú, phường Hạc Thành")).to_be_visible()
    expect(page.get_by_text("Nhận qua bưu chính")).to_be_visible()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_text("Hãy xác nhận lời cam đoan trước khi nộp hồ sơ.")).to_be_visible()
    page.get_by_label("Tôi cam đoan").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # Confirmation: the code and the indicative appointment.
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ thành công")).to_be_visible()
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    assert re.fullmatch(r"000\.00\.06\.H56-\d{6}-\d{4}", code)
    expect(page.get_by_test_id("appointment")).to_contain_text(
        re.compile(r"Thứ (Hai|Ba|Tư|Năm|Sáu), \d\d/\d\d/\d{4} lúc \d\d:\d\d"))
    expect(page.get_by_text("chỉ là dự kiến")).to_be_visible()

    dossier = Dossier.objects.get(code=code)
    assert (dossier.status, dossier.submitted_by_id, dossier.delivery) == (Status.SUBMITTED, person.pk, "postal")
    assert dossier.applicant_address == "25 Trần Phú, phường Hạc Thành"
    assert Attachment.objects.filter(dossier=dossier, content_type="application/pdf").count() == 2

    # It is in "my dossiers"...
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hồ sơ của tôi").click()
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("Đăng ký khai sinh")
    expect(row).to_contain_text("Mới đăng ký")

    # ...and the public tracking page finds it with the phone's last 4 digits, without personal data.
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Số điện thoại người nộp").fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("tracking-status")).to_have_text("Mới đăng ký")
    expect(page.get_by_role("heading", name=f"Hồ sơ {code}")).to_be_visible()
    assert "Lê Thị Mai" not in page.locator("main").inner_text()
