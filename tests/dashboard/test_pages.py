"""The dashboard pages, exports and API: scoped, the same numbers everywhere, a pinned number of queries."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard import selectors
from dashboard.periods import Period
from tests.factories import citizen

from .conftest import at

MARCH = {"period": "month", "year": "2026", "month": "3"}


@pytest.fixture
def history(province, life):
    """Commune A: one early, one late, one still open (long overdue), one refused. Commune B: one on time."""
    a, b = province.a, province.b
    early = life.receive(a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(early, a, at(2026, 3, 5, 9, 0))
    late = life.receive(a, province.land, at(2026, 3, 2, 9, 0), channel="postal")
    life.finish(late, a, at(2026, 3, 20, 9, 0))
    open_late = life.receive(a, province.birth, at(2026, 3, 3, 9, 0))
    refused = life.intake(a, province.birth, at(2026, 3, 4, 9, 0))
    life.do("refuse", refused, a, at(2026, 3, 4, 9, 10))
    b_on_time = life.receive(b, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(b_on_time, b, at(2026, 3, 9, 8, 0))
    return {"early": early, "late": late, "open_late": open_late, "refused": refused, "b": b_on_time}


def url(name, **params):
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({**MARCH, **params})}"


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-key="{key}">.*?<span class="figure-value">(?:<a [^>]*>)?([^<]+)', html, re.S)
    return match.group(1).strip()


def test_a_commune_leader_sees_the_communes_numbers_in_a_pinned_number_of_queries(
        client, province, history, django_assert_max_num_queries):
    client.force_login(province.a.leader)
    with django_assert_max_num_queries(16):
        response = client.get(url("dashboard:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "received") == "3"  # the refused one was never received
    assert figure(html, "finished_early") == "1" and figure(html, "finished_late") == "1"
    assert figure(html, "pending_overdue") == "1"
    assert figure(html, "on_time_rate") == "50,00 %"
    assert figure(html, "refused") == "1"
    assert "UBND xã Bình Minh" not in html


def test_the_province_leader_sees_both_communes_and_the_breakdown(client, province, history,
                                                                  django_assert_max_num_queries):
    client.force_login(province.leader)
    with django_assert_max_num_queries(17):  # + counting the agencies: is the scope the whole portal?
        response = client.get(url("dashboard:home"))
    html = response.content.decode()
    assert figure(html, "received") == "4"
    assert "UBND xã An Bình" in html and "UBND xã Bình Minh" in html
    report = response.context["report"]
    assert [line.label for line in report.by_agency] == ["UBND xã An Bình", "UBND xã Bình Minh"]
    assert {line.label: line.numbers.received for line in report.by_procedure} == {
        "Đăng ký khai sinh": 3, "Đăng ký biến động đất đai": 1}


@pytest.mark.parametrize("name", ["dashboard:home", "dashboard:index", "dashboard:export-xlsx",
                                  "dashboard:export-csv", "dashboard:report-pdf"])
def test_a_commune_leader_cannot_open_another_commune(client, province, history, name):
    client.force_login(province.a.leader)
    assert client.get(url(name, agency=province.b.agency.pk)).status_code == 403
    assert client.get(url(name, agency=province.province.pk)).status_code == 403
    assert client.get(url(name, agency=999_999)).status_code == 403  # same answer as an existing one


def test_the_drilldown_lists_only_the_leaders_own_dossiers(client, province, history):
    client.force_login(province.a.leader)
    response = client.get(url("dashboard:drilldown", metric="received"))
    codes = {d.code for d in response.context["page"].object_list}
    assert codes == {history[k].code for k in ("early", "late", "open_late")}
    assert client.get(url("dashboard:drilldown", metric="received", agency=province.b.agency.pk)).status_code == 403
    late = client.get(url("dashboard:drilldown", metric="finished_late")).context["page"].object_list
    assert [d.pk for d in late] == [history["late"].pk]
    overdue = client.get(url("dashboard:drilldown", metric="pending_overdue")).context["page"].object_list
    assert [d.pk for d in overdue] == [history["open_late"].pk]


def test_every_figure_of_the_page_links_to_a_list_of_that_many_dossiers(client, province, history):
    client.force_login(province.leader)
    html = client.get(url("dashboard:home")).content.decode()
    links = re.findall(r'<span class="figure-value"><a href="([^"]+)">([^<]+)</a>', html)
    assert len(links) >= 8
    for href, text in links:
        listed = client.get(href.replace("&amp;", "&")).context["page"].paginator.count
        assert str(listed) == text.replace(".", "").split(",")[0].split(" ")[0] or text.endswith("%"), href


def test_citizens_and_anonymous_users_are_kept_out(client, province, history):
    assert client.get(url("dashboard:home")).status_code == 302
    client.force_login(citizen())
    assert client.get(url("dashboard:home")).status_code == 403
    client.force_login(province.a.clerk)
    assert client.get(url("dashboard:home")).status_code == 403
    assert client.get(reverse("api-stats-summary")).status_code == 403


def test_a_bad_period_is_a_clear_error(client, province):
    client.force_login(province.leader)
    response = client.get(reverse("dashboard:home") + "?period=month&year=2026&month=13")
    assert response.status_code == 400
    assert "kỳ báo cáo không hợp lệ" in response.content.decode()
    api = client.get(reverse("api-stats-summary") + "?period=range&start=2026-03-10&end=2026-03-01")
    assert api.status_code == 400 and api.json()["code"] == "invalid_period"


def test_the_excel_export_holds_the_numbers_of_the_page(client, province, history):
    client.force_login(province.leader)
    page = client.get(url("dashboard:home")).context
    response = client.get(url("dashboard:export-xlsx"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Theo cơ quan"]
    header = [c.value for c in sheet[3]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)}
    for line in page["report"].by_agency:
        assert rows[line.label]["Tiếp nhận"] == line.numbers.received
        assert rows[line.label]["Quá hạn"] == line.numbers.finished_late
        rate = line.numbers.on_time_rate
        assert rows[line.label]["Tỷ lệ đúng hạn"] == (float(rate) if rate is not None else "N/A")
    total = {h: v for h, v in zip(header, next(workbook["Tổng hợp"].iter_rows(min_row=4, values_only=True)),
                                  strict=True)}
    assert total["Tiếp nhận"] == 4 and total["Đang giải quyết quá hạn"] == 1 and total["Tỷ lệ đúng hạn"] == 66.67


def test_a_commune_leaders_exports_and_api_hold_only_the_commune(client, province, history):
    client.force_login(province.a.leader)
    workbook = load_workbook(io.BytesIO(client.get(url("dashboard:export-xlsx")).content))
    names = [row[1] for row in workbook["Theo cơ quan"].iter_rows(min_row=4, values_only=True)]
    assert names == ["UBND xã An Bình"]
    body = client.get(url("dashboard:export-csv")).content.decode("utf-8-sig")
    assert "Bình Minh" not in body
    lines = client.get(url("api-stats-by-agency")).json()["lines"]
    assert [line["name"] for line in lines] == ["UBND xã An Bình"]
    assert client.get(url("api-stats-summary", agency=province.b.agency.pk)).status_code == 403


def test_the_csv_export_is_the_same_table(client, province, history):
    client.force_login(province.leader)
    body = client.get(url("dashboard:export-csv")).content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    total = next(r for r in rows if r["Nhóm"] == "Tổng hợp")
    assert (total["Tiếp nhận"], total["Đã giải quyết"], total["Tỷ lệ đúng hạn"]) == ("4", "3", "66.67")
    procedures = {r["Mã"]: r for r in rows if r["Nhóm"] == "Theo thủ tục"}
    assert procedures["1.012345"]["Quá hạn"] == "1"


def test_the_printed_report_is_a_pdf_with_the_numbers(client, province, history):
    client.force_login(province.leader)
    response = client.get(url("dashboard:report-pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "THỐNG KÊ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "UBND xã Bình Minh" in text and "66,67 %" in text
    assert "Quyết định 766" in text


def test_the_api_gives_the_numbers_of_the_page(client, province, history):
    client.force_login(province.leader)
    data = client.get(url("api-stats-summary")).json()
    numbers = selectors.dashboard_numbers(selectors.Scope.of(province.leader), Period.month(2026, 3))
    assert data["counts"] == numbers.counts
    assert data["pending"] == numbers.pending
    assert data["rates"]["on_time_rate"] == 66.67
    by_procedure = client.get(url("api-stats-by-procedure")).json()
    assert {line["code"]: line["counts"]["received"] for line in by_procedure["lines"]} == {
        "1.001193": 3, "1.012345": 1}
    trend = client.get(url("api-stats-trend")).json()
    assert trend["by"] == "day" and sum(p["received"] for p in trend["points"]) == 4
    index = client.get(url("api-stats-index")).json()
    assert [g["code"] for g in index["groups"]] == ["1", "2", "3", "4", "5"]


def test_the_public_page_shows_rates_and_no_person(client, province, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(url("dashboard:public"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "UBND xã An Bình" in html and "Đăng ký khai sinh" in html
    for dossier in history.values():
        assert dossier.applicant_name not in html and dossier.applicant_phone not in html
        assert not dossier.code or dossier.code not in html
    assert client.get(url("api-stats-public")).json()["total"]["received"] == 4


def test_the_drilldown_and_the_index_pages_pin_their_queries(client, province, history,
                                                             django_assert_max_num_queries):
    client.force_login(province.leader)
    with django_assert_max_num_queries(14):
        assert client.get(url("dashboard:drilldown", metric="finished")).status_code == 200
    with django_assert_max_num_queries(24):
        page = client.get(url("dashboard:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-indicator="2.1"' in html and "N/A" in html


def test_the_page_works_in_english(client, province, history):
    client.force_login(province.leader)
    response = client.get(url("dashboard:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert figure(response.content.decode(), "on_time_rate") == "66.67 %"
