"""Public catalog pages: search and filters, the procedure page laid out as steps, fixed query counts."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.models import Field, Level, OnlineLevel, Procedure, ProcedureCase, ProcedureVersion
from procedures.views import online_submission_url
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
LIST = "/thu-tuc/"


def text(response) -> str:
    html = response.content.decode()
    html = html[html.index("<main"):html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def listed_codes(response) -> list[str]:
    return [p.code for p in response.context["procedures"]]


def make_procedures(n: int, *, start: int = 0, field: Field | None = None) -> None:
    """``n`` procedures with a current version and a case each, written in bulk (no save())."""
    field = field or Field.objects.get_or_create(code="linh-vuc-dong", defaults={"name": "Lĩnh vực đông"})[0]
    procedures = Procedure.objects.bulk_create([
        Procedure(code=f"9.{i:06d}", name=f"Thủ tục số {i}", field=field, level=Level.COMMUNE,
                  online_level=OnlineLevel.PARTIAL, accepts_online=True,
                  search_text=Procedure.build_search_text(f"9.{i:06d}", f"Thủ tục số {i}"))
        for i in range(start, start + n)
    ])
    versions = ProcedureVersion.objects.bulk_create([ProcedureVersion(procedure=p) for p in procedures])
    ProcedureCase.objects.bulk_create([ProcedureCase(version=v, legal_time=Decimal(5)) for v in versions])
    for procedure, version in zip(procedures, versions, strict=True):
        procedure.current_version = version
    Procedure.objects.bulk_update(procedures, ["current_version"])
    agency = AgencyFactory()
    Procedure.agencies.through.objects.bulk_create(
        [Procedure.agencies.through(procedure=p, agency=agency) for p in procedures]
    )


def test_list_page_is_vietnamese_and_accessible(client, seeded):
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="search"' in body and '<label for="id_q">Từ khóa</label>' in body
    for name in ("field", "level", "agency", "online_level"):
        assert f'<label for="id_{name}">' in body
    assert '<th scope="col">Tên thủ tục</th>' in body and '<th scope="row"' in body
    assert "Tìm thấy 59 thủ tục." in text(response)


@pytest.mark.parametrize("q", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "khai sinh", "1.001193"])
def test_search_box_finds_birth_registration_first(client, seeded, q):
    response = client.get(LIST, {"q": q})
    assert listed_codes(response)[0] == "1.001193"
    assert f'value="{q}"' in response.content.decode()


def test_filters_narrow_the_list(client, seeded):
    response = client.get(LIST, {"field": "dat-dai", "online_level": OnlineLevel.FULL})
    assert set(listed_codes(response)) == {"1.012756", "1.012786", "1.012789"}
    assert "Tìm thấy 3 thủ tục." in text(response)
    assert listed_codes(client.get(LIST, {"q": "khai sinh", "level": Level.PROVINCE})) == []
    assert "Không tìm thấy thủ tục phù hợp." in text(client.get(LIST, {"q": "khong co thu tuc nay"}))


def test_agency_filter(client, db):
    agency = AgencyFactory(name="UBND xã Đông Sơn")
    mine, other = ProcedureFactory(), ProcedureFactory()
    mine.agencies.add(agency)
    assert listed_codes(client.get(LIST, {"agency": agency.code})) == [mine.code]
    assert other.code not in listed_codes(client.get(LIST, {"agency": agency.code}))


@pytest.mark.parametrize("params", [
    {"level": "xa"},
    {"field": "khong-co"},
    {"agency": "000.00.00.X99"},
    {"online_level": "4"},
    {"q": "x" * 201},
])
def test_bad_filters_are_explained_and_ignored(client, seeded, params):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert "Bộ lọc không hợp lệ" in text(response)
    assert len(listed_codes(response)) == 20  # the rest of the page still works (invalid filter left out)


def test_pagination_keeps_the_filters(client, db):
    field = FieldFactory(name="Lĩnh vực phân trang")
    make_procedures(45, field=field)
    first = client.get(LIST, {"field": field.code})
    assert len(listed_codes(first)) == 20 and "Trang 1/3" in text(first)
    assert f"?field={field.code}&amp;page=2" in first.content.decode()
    third = client.get(LIST, {"field": field.code, "page": 3})
    assert len(listed_codes(third)) == 5
    assert listed_codes(client.get(LIST, {"page": "abc"})) == listed_codes(client.get(LIST))
    assert client.get(LIST, {"page": 99}).context["page_obj"].number == 3


def test_list_rejects_posts(client, db):
    assert client.post(LIST).status_code == 405


def test_procedure_page_lays_out_what_a_citizen_needs(client, seeded):
    response = client.get(reverse("procedures:detail", args=["1.001193"]))
    assert response.status_code == 200
    page = text(response)
    for heading in ("Bước 1. Kiểm tra đối tượng và điều kiện", "Bước 2. Chuẩn bị thành phần hồ sơ",
                    "Bước 3. Nộp hồ sơ", "Bước 4. Giải quyết hồ sơ", "Bước 5. Nhận kết quả", "Căn cứ pháp lý",
                    "Trình tự thực hiện", "Cách thức thực hiện", "Thời hạn giải quyết"):
        assert heading in page
    assert "Đăng ký khai sinh" in page and "1.001193" in page
    assert "Tờ khai đăng ký khai sinh" in page and "Giấy chứng sinh" in page
    assert "Trong ngày làm việc" in page and "nhận sau 15h" in page
    assert "0 đồng" in page and "miễn khi đúng hạn" in page
    assert "Luật Hộ tịch 2014" in page
    assert '<th scope="col">Bản chính</th>' in response.content.decode()
    assert "Nộp hồ sơ trực tuyến" not in page  # online level not published for this one


def test_unpublished_values_say_so(client, seeded):
    page = text(client.get(reverse("procedures:detail", args=["1.004884"])))  # no time, no fee in the source
    assert "Phí, lệ phí Chưa công bố" in page
    assert "Thời hạn giải quyết Chưa công bố" in page


def test_fees_and_calendar_days_are_formatted(client, seeded):
    assert "8.000 đồng" in text(client.get(reverse("procedures:detail", args=["2.000635"])))
    assert "15 ngày" in text(client.get(reverse("procedures:detail", args=["2.000806"])))
    id_card = text(client.get(reverse("procedures:detail", args=["2.000200"])))
    assert "Cấp lại" in id_card and "70.000 đồng" in id_card


def test_online_procedures_offer_online_submission(client, seeded):
    response = client.get(reverse("procedures:detail", args=["1.012756"]))
    assert "Toàn trình (mức độ 4)" in text(response)
    assert f'href="{online_submission_url("1.012756")}"' in response.content.decode()
    assert "Nộp hồ sơ trực tuyến" in text(response)
    assert online_submission_url("1.012756").endswith("/1.012756/")


def test_retired_procedure_page_warns_and_offers_no_submission(client, db):
    procedure = ProcedureFactory(is_active=False, online_level=OnlineLevel.FULL)
    page = text(client.get(procedure.get_absolute_url()))
    assert "Thủ tục này không còn áp dụng." in page
    assert "Nộp hồ sơ trực tuyến" not in page


def test_unknown_procedure_is_404(client, db):
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_catalog_page_query_count_does_not_grow_with_the_catalog(client, db, django_assert_max_num_queries):
    make_procedures(10)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    make_procedures(990, start=10)
    assert Procedure.objects.count() == 1000
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as large:
        response = client.get(LIST)
    assert "Tìm thấy 1000 thủ tục." in text(response)
    assert len(large) == len(small)
    with django_assert_max_num_queries(8):
        assert listed_codes(client.get(LIST, {"q": "thu tuc so 99"}))[0] == "9.000099"  # the exact name first


def test_procedure_page_query_count(client, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert client.get(reverse("procedures:detail", args=["2.000200"])).status_code == 200


def test_pages_speak_english_when_asked(client, seeded):
    client.cookies["django_language"] = "en"
    listing = text(client.get(LIST, {"q": "khai sinh"}))
    assert "Found 3 procedures." in listing and "Not published" in listing
    page = text(client.get(reverse("procedures:detail", args=["2.000635"])))
    assert "Step 2. Prepare the documents" in page and "8,000 VND" in page
