"""The public catalog API: contract (the OpenAPI schema validates and matches the responses), errors, queries."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from procedures.models import Level, OnlineLevel, Procedure
from procedures.views import online_submission_url
from tests.factories import AgencyFactory, ProcedureFactory
from tests.procedures.test_pages import make_procedures

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def properties(schema, name) -> set[str]:
    return set(schema["components"]["schemas"][name]["properties"])


CATALOG_PATHS = ("/api/v1/procedures/", "/api/v1/procedures/{code}/", "/api/v1/fields/", "/api/v1/agencies/")


def catalog_part(schema: dict) -> dict:
    """The catalog's operations and every component they reference, as a document of its own.

    Validated on its own so this test speaks for the catalog; other apps' operations have their own tests.
    """
    wanted, todo = set(), [schema["paths"][p] for p in CATALOG_PATHS]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] not in wanted:
                name = ref.rsplit("/", 1)[1]
                wanted.add(name)
                todo.append(schema["components"]["schemas"][name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    components = {**schema["components"], "schemas": {n: schema["components"]["schemas"][n] for n in wanted}}
    return {**schema, "paths": {p: schema["paths"][p] for p in CATALOG_PATHS}, "components": components}


def test_schema_is_valid_openapi_and_documents_the_catalog(schema):
    validate(catalog_part(schema))
    operation = schema["paths"]["/api/v1/procedures/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"q", "field", "level", "agency", "online_level", "page", "page_size"} <= params
    assert {"200", "400", "404"} <= set(operation["responses"])
    level = next(p for p in operation["parameters"] if p["name"] == "level")
    assert set(level["schema"]["enum"]) == set(Level.values)
    assert "404" in schema["paths"]["/api/v1/procedures/{code}/"]["get"]["responses"]
    assert {"/api/v1/fields/", "/api/v1/agencies/"} <= set(schema["paths"])
    assert schema["paths"]["/api/v1/procedures/"]["get"]["security"] == [{}]  # public: no credentials


def test_list_response_matches_the_schema(client, seeded, schema):
    body = client.get(f"{API}/procedures/").json()
    assert set(body) == properties(schema, "PaginatedProcedureListList")
    assert body["count"] == 59 and len(body["results"]) == 20 and body["next"].endswith("page=2")
    first = body["results"][0]
    assert set(first) == properties(schema, "ProcedureList")
    assert set(first["field"]) == properties(schema, "FieldRef")
    assert set(first["time_limits"][0]) == properties(schema, "CaseTime")


@pytest.mark.parametrize("q", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "khai sinh", "1.001193"])
def test_search(client, seeded, q):
    results = client.get(f"{API}/procedures/", {"q": q}).json()["results"]
    assert results[0]["code"] == "1.001193"
    assert results[0]["name"] == "Đăng ký khai sinh"
    assert results[0]["page_url"] == "/thu-tuc/1.001193/"


def test_filters(client, seeded):
    body = client.get(f"{API}/procedures/", {"field": "dat-dai", "online_level": OnlineLevel.FULL}).json()
    assert {r["code"] for r in body["results"]} == {"1.012756", "1.012786", "1.012789"}
    assert all(r["is_online"] and r["online_level_display"] == "Toàn trình (mức độ 4)" for r in body["results"])
    assert client.get(f"{API}/procedures/", {"level": Level.DISTRICT}).json()["count"] == 2
    agency = AgencyFactory()
    Procedure.objects.get(code="1.000894").agencies.add(agency)
    body = client.get(f"{API}/procedures/", {"agency": agency.code}).json()
    assert [r["code"] for r in body["results"]] == ["1.000894"]
    assert body["results"][0]["agencies"] == [{"code": agency.code, "name": agency.name}]


@pytest.mark.parametrize("params, bad", [
    ({"level": "xa"}, "level"),
    ({"field": "khong-co"}, "field"),
    ({"agency": "X"}, "agency"),
    ({"online_level": "4"}, "online_level"),
    ({"q": "x" * 201}, "q"),
])
def test_invalid_filters_are_400_json(client, seeded, params, bad):
    response = client.get(f"{API}/procedures/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Dữ liệu không hợp lệ."
    assert list(body["errors"]) == [bad]


def test_invalid_page_is_404_json(client, seeded):
    response = client.get(f"{API}/procedures/", {"page": 99})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Trang không hợp lệ."}


def test_detail_is_the_full_record(client, seeded, schema):
    response = client.get(f"{API}/procedures/1.001193/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == properties(schema, "ProcedureDetail")
    assert body["version"]["decision_number"] == ""
    [case] = body["cases"]
    assert set(case) == properties(schema, "Case")
    assert (case["legal_time"], case["time_unit"], case["is_same_day"]) == ("0.00", "working_days", True)
    assert case["documents"][0]["name"] == "Tờ khai đăng ký khai sinh"
    assert set(case["documents"][0]) == properties(schema, "Document")
    assert [s["role"] for s in case["route"]] == ["clerk", "specialist", "leader", "clerk"]
    assert set(case["route"][0]) == properties(schema, "RouteStep")
    assert body["submit_url"] is None and body["fee_vnd"] == 0 and body["fee_note"] == "miễn khi đúng hạn"


def test_online_procedure_links_to_online_submission(client, seeded):
    body = client.get(f"{API}/procedures/1.012756/").json()
    assert body["submit_url"] == "http://testserver" + online_submission_url("1.012756")


def test_unknown_code_is_404_json(client, db):
    response = client.get(f"{API}/procedures/9.999999/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Không tìm thấy thủ tục mã “9.999999”."}


def test_retired_procedures_are_not_listed_but_still_readable(client, db):
    procedure = ProcedureFactory(is_active=False)
    assert client.get(f"{API}/procedures/").json()["count"] == 0
    assert client.get(f"{API}/procedures/{procedure.code}/").json()["is_active"] is False


def test_fields(client, seeded, schema):
    body = client.get(f"{API}/fields/").json()
    civil = next(f for f in body if f["code"] == "ho-tich")
    assert civil == {"code": "ho-tich", "name": "Hộ tịch", "procedure_count": 12}
    assert set(civil) == properties(schema, "Field")


def test_agencies(client, db, schema):
    province = AgencyFactory(kind="province", name="UBND tỉnh")
    commune = AgencyFactory(kind="commune", parent=province)
    AgencyFactory(kind="commune", is_active=False)
    body = client.get(f"{API}/agencies/").json()
    assert body["count"] == 2
    assert set(body["results"][0]) == properties(schema, "Agency")
    assert [a["code"] for a in client.get(f"{API}/agencies/", {"parent": province.code}).json()["results"]] == [
        commune.code]
    assert client.get(f"{API}/agencies/", {"kind": "province"}).json()["results"][0]["working_hours"] == \
        "07:00–11:30, 13:30–17:00"
    response = client.get(f"{API}/agencies/", {"kind": "hamlet"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["kind"]


def test_api_is_public_and_read_only(client, db):
    ProcedureFactory()
    # Wrong credentials do not matter on open data, and nothing can be written.
    assert client.get(f"{API}/procedures/", HTTP_AUTHORIZATION="Basic eDp5").status_code == 200
    for url in (f"{API}/procedures/", f"{API}/fields/", f"{API}/agencies/"):
        response = client.post(url, {})
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_list_query_count_does_not_grow_with_the_catalog(client, db, django_assert_max_num_queries):
    make_procedures(10)
    with CaptureQueriesContext(connection) as small:
        client.get(f"{API}/procedures/")
    make_procedures(990, start=10)
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as large:
        body = client.get(f"{API}/procedures/", {"page_size": 100}).json()
    assert body["count"] == 1000 and len(body["results"]) == 100
    assert len(large) == len(small)


def test_detail_query_count(client, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert client.get(f"{API}/procedures/2.000200/").status_code == 200
