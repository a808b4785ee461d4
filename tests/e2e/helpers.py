"""Helpers for browser tests (import them: ``from tests.e2e.helpers import login``)."""

from playwright.sync_api import Page, expect


def login(page: Page, username: str, password: str) -> None:
    """Sign in through the real login form and wait until the portal has accepted it."""
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
