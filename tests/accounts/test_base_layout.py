"""The base layout's accessibility basics (WCAG 2.2 AA) and the English switch."""

import unicodedata
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["home", "accounts:login", "accounts:register"]


class Controls(HTMLParser):
    """Collects form controls, labels and ids of a page."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.ids, self.open_labels = [], set(), set(), 0
        self.html_lang = None
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "a":
            self.links.append(a)
        elif tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append({**a, "tag": tag, "wrapped": self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def parse(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("page", PAGES)
def test_page_is_vietnamese_with_a_skip_link_to_main(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 200
    doc = parse(response.content.decode())
    assert doc.html_lang == "vi"
    skip = doc.links[0]  # the first link of the page, reachable with one Tab
    assert skip["href"] == "#main" and "skip-link" in skip["class"]
    assert "main" in doc.ids


@pytest.mark.parametrize("page", PAGES)
def test_every_form_control_has_a_label(client, page):
    doc = parse(client.get(reverse(page)).content.decode())
    assert doc.controls, "the page should have a form"
    for control in doc.controls:
        labelled = (
            control.get("id") in doc.label_for
            or control["wrapped"]
            or control.get("aria-label")
            or (control.get("aria-labelledby") and control["aria-labelledby"] in doc.ids)
        )
        assert labelled, f"unlabelled {control['tag']} {control.get('name')} on {page}"


def test_field_errors_are_tied_to_their_control(client):
    html = client.post(reverse("accounts:register"), {"phone": "123"}).content.decode()
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html
    assert 'id="id_phone_error"' in html and 'id="id_phone_helptext"' in html
    # The error summary links to the wrong field.
    assert 'href="#id_phone"' in html and 'role="alert"' in html


def test_focus_styles_and_skip_link_are_in_the_stylesheet():
    css = (django_settings.BASE_DIR / "static/css/portal.css").read_text()
    assert ":focus-visible" in css and "outline" in css
    assert ".skip-link:focus" in css


@pytest.fixture
def english(settings):
    """`make test` compiles the catalogs; compile here too when the .mo is missing or stale."""
    po = settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["en"], ignore_patterns=[".venv*", "var"], verbosity=0)
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # setting_changed clears Django's catalog cache


def test_language_switch_turns_the_portal_english_and_back(client, english):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert parse(html).html_lang == "en"
    assert "Skip to main content" in html
    assert "One-stop public services" in html
    assert "Sign in" in html and "Đăng nhập" not in html
    # The switch offers Vietnamese, named in Vietnamese and marked as such (Django spells it decomposed).
    assert 'name="language" value="vi" lang="vi">Tiếng Việt</button>' in unicodedata.normalize("NFC", html)

    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    html = client.get("/").content.decode()
    assert parse(html).html_lang == "vi" and "Bỏ qua, đến nội dung chính" in html


def test_validation_errors_are_english_after_switching(client, english):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("accounts:register"), {"cccd": "12345"})
    assert "The citizen ID number must have exactly 12 digits." in response.content.decode()


def test_signed_in_pages_keep_the_layout(client):
    client.force_login(UserFactory(full_name="Nguyễn Văn An"))
    html = client.get("/").content.decode()
    assert "Nguyễn Văn An" in html and "Đăng xuất" in html
    assert parse(html).links[0]["href"] == "#main"
