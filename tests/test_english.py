"""English is the portal's second language: the header switch must give English pages, not Vietnamese leftovers.

Each page is checked for a few of its own strings in English and for the absence of their Vietnamese source,
so a msgid edited in a template without updating locale/en (an empty or fuzzy msgstr) fails here.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _compiled_english(settings):
    """`make test` compiles the catalogs; a direct pytest run compiles here when a .mo is missing or stale."""
    for po in (settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po",
               settings.BASE_DIR / "procedures/locale/en/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["en"], ignore_patterns=[".venv*", "var"], verbosity=0)
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # setting_changed clears Django's catalog cache


def english_page(client, url, **kw):
    response = client.get(url, **kw)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    return html


def test_the_language_switch_remembers_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/thu-tuc/"})
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/"
    html = english_page(client, "/thu-tuc/")
    assert "Administrative procedures" in html
    assert "Search and filter procedures" in html
    assert "Danh sách thủ tục hành chính" not in html


def test_catalog_list_in_english(client, django_assert_max_num_queries):
    client.cookies["django_language"] = "en"
    with django_assert_max_num_queries(6):
        html = english_page(client, "/thu-tuc/", data={"q": "không có thủ tục nào như thế này"})
    assert "No matching procedure." in html
    assert "Không tìm thấy thủ tục phù hợp." not in html


def test_tracking_page_in_english(client):
    client.cookies["django_language"] = "en"
    html = english_page(client, "/tra-cuu/")
    assert "Track dossier progress" in html
    assert "Applicant&#x27;s phone number" in html or "Applicant's phone number" in html
    assert "Tra cứu tiến độ hồ sơ" not in html


def test_tracking_miss_explains_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.post("/tra-cuu/", {"code": "000.00.06.H56-231027-9999", "phone": "0912345678"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "Dossier not found" in html
    assert "No dossier matches the dossier code and phone number entered." in html
    assert "Không tìm thấy hồ sơ" not in html


def test_login_page_in_english(client):
    client.cookies["django_language"] = "en"
    html = english_page(client, reverse("accounts:login"))
    assert "Sign in" in html and "No account yet?" in html and "Register" in html
    assert "Đăng nhập</h1>" not in html


def test_staff_inbox_in_english(client, django_assert_max_num_queries):
    specialist = UserFactory(role=Role.SPECIALIST, agency=AgencyFactory())
    client.force_login(specialist)
    client.cookies["django_language"] = "en"
    with django_assert_max_num_queries(12):
        html = english_page(client, "/xu-ly/")
    assert "Dossiers to process" in html
    assert "Filter dossiers" in html and "Clear filters" in html
    assert "0 dossiers, sorted by remaining working time." in html
    assert "Hồ sơ cần xử lý" not in html and "Bỏ lọc" not in html
