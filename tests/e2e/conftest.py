"""Real-browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live_server.

Fixtures for every e2e test: ``browser`` (session), ``context`` and ``page`` (per test, base_url = the live
server, fails on any JavaScript error), ``sample_pdf``; the helper ``login(page, username, password)`` lives in
tests/e2e/helpers.py. Mark tests ``@pytest.mark.e2e``.
Playwright never downloads a browser here: it launches the system Chromium (``apt-get install chromium``);
set ``CHROMIUM_PATH`` to use another binary.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM calls from the test body (factories,
# assertions) would otherwise be refused as "called from an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, sync_playwright

from .helpers import login  # noqa: F401  (re-exported: tests import it from here or from helpers)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEFAULT_TIMEOUT_MS = int(os.environ.get("E2E_TIMEOUT_MS", "15000"))


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _live_server_speaks_http():
    """The live server speaks plain HTTP. SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the
    session-wide live server starts — before any function-scoped ``settings`` fixture — so it is switched off
    here, ahead of it; secure-only cookies would never come back from the browser either."""
    from django.test.utils import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
        yield


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    # A JavaScript error on any page is a failure even if the assertions passed.
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def sample_pdf(tmp_path) -> Path:
    """A small but real PDF (one blank A4 page) written by pypdf, to upload as a document."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "giay-to.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path
