"""GET /api/v1/calendar/due/ and /api/v1/calendar/working-days/: public, exact, and clear about bad input."""

from datetime import date, time

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator

from dossiers import api_calendar, deadlines
from dossiers.models import CalendarException
from tests.factories import AgencyFactory

DUE = "/api/v1/calendar/due/"
WORKING_DAYS = "/api/v1/calendar/working-days/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    deadlines.clear_calendar_cache()
    yield
    deadlines.clear_calendar_cache()


DUE_CASES = [
    # query,                                                  expected body (besides "agency")
    ({"start": "2023-10-27T09:32", "days": "5"},
     {"start": "2023-10-27T09:32:00+07:00", "days": 5, "unit": "working_days",
      "due": "2023-11-03T09:32:00+07:00", "due_display": "Thứ Sáu, 03/11/2023 09:32"}),
    ({"start": "2023-10-27T02:32:00Z", "days": "5"},
     {"start": "2023-10-27T09:32:00+07:00", "days": 5, "unit": "working_days",
      "due": "2023-11-03T09:32:00+07:00", "due_display": "Thứ Sáu, 03/11/2023 09:32"}),
    # An un-encoded "+" in the offset arrives as a space.
    ({"start": "2023-10-27T09:32:00 07:00", "days": "5"},
     {"start": "2023-10-27T09:32:00+07:00", "days": 5, "unit": "working_days",
      "due": "2023-11-03T09:32:00+07:00", "due_display": "Thứ Sáu, 03/11/2023 09:32"}),
    ({"start": "2026-02-13T15:00:00+07:00", "days": "1"},
     {"start": "2026-02-13T15:00:00+07:00", "days": 1, "unit": "working_days",
      "due": "2026-02-23T15:00:00+07:00", "due_display": "Thứ Hai, 23/02/2026 15:00"}),
    ({"start": "2026-02-13 14:59", "days": "0"},
     {"start": "2026-02-13T14:59:00+07:00", "days": 0, "unit": "working_days",
      "due": "2026-02-13T17:00:00+07:00", "due_display": "Thứ Sáu, 13/02/2026 17:00"}),
    ({"start": "2026-02-13 15:00", "days": "0"},
     {"start": "2026-02-13T15:00:00+07:00", "days": 0, "unit": "working_days",
      "due": "2026-02-23T17:00:00+07:00", "due_display": "Thứ Hai, 23/02/2026 17:00"}),
    ({"start": "2023-10-27T09:32", "days": "0.5"},
     {"start": "2023-10-27T09:32:00+07:00", "days": 0.5, "unit": "working_days",
      "due": "2023-10-27T15:32:00+07:00", "due_display": "Thứ Sáu, 27/10/2023 15:32"}),
    ({"start": "2023-10-27T16:00", "days": "8", "unit": "working_hours"},
     {"start": "2023-10-27T16:00:00+07:00", "days": 8, "unit": "working_hours",
      "due": "2023-10-30T16:00:00+07:00", "due_display": "Thứ Hai, 30/10/2023 16:00"}),
    ({"start": "2023-10-27T09:32", "days": "15", "unit": "calendar_days"},
     {"start": "2023-10-27T09:32:00+07:00", "days": 15, "unit": "calendar_days",
      "due": "2023-11-13T17:00:00+07:00", "due_display": "Thứ Hai, 13/11/2023 17:00"}),
    ({"start": "2026-08-21", "days": "1"},  # a date alone: from the opening that day
     {"start": "2026-08-21T00:00:00+07:00", "days": 1, "unit": "working_days",
      "due": "2026-08-21T17:00:00+07:00", "due_display": "Thứ Sáu, 21/08/2026 17:00"}),
    ({"start": "2026-08-21T17:00", "days": "1"},  # the seeded make-up Saturday
     {"start": "2026-08-21T17:00:00+07:00", "days": 1, "unit": "working_days",
      "due": "2026-08-22T17:00:00+07:00", "due_display": "Thứ Bảy, 22/08/2026 17:00"}),
]


@pytest.mark.parametrize(("query", "expected"), DUE_CASES)
def test_due(client, query, expected):
    response = client.get(DUE, query)
    assert response.status_code == 200, response.content
    assert response.json() == {**expected, "agency": None}


def test_due_for_an_agency_uses_its_sessions_and_exceptions(client, django_assert_max_num_queries):
    agency = AgencyFactory(code="000.00.06.H56", morning_start=time(7, 30), afternoon_start=time(13, 0))
    CalendarException.objects.create(date=date(2023, 10, 27), kind="off", name="Nghỉ đột xuất", agency=agency)
    with django_assert_max_num_queries(2):  # the agency, then its calendar exceptions
        response = client.get(DUE, {"start": "2023-10-26T12:00", "days": "0.5", "agency": agency.code})
    assert response.status_code == 200
    assert response.json()["due"] == "2023-10-26T17:00:00+07:00"
    assert response.json()["agency"] == "000.00.06.H56"
    response = client.get(DUE, {"start": "2023-10-26T16:00", "days": "1", "agency": agency.code})
    assert response.json()["due"] == "2023-10-30T16:00:00+07:00"  # Friday 27/10 is off for this agency only
    response = client.get(DUE, {"start": "2023-10-26T16:00", "days": "1"})
    assert response.json()["due"] == "2023-10-27T16:00:00+07:00"


def test_working_days(client):
    response = client.get(WORKING_DAYS, {"from": "2026-02-09", "to": "2026-02-23"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-02-09"
    assert body["to"] == "2026-02-23"
    assert body["working_days"] == 6
    assert body["non_working_days"][:3] == [
        {"date": "2026-02-14", "weekday": "Thứ Bảy", "reason": "Nghỉ cuối tuần"},
        {"date": "2026-02-15", "weekday": "Chủ Nhật", "reason": "Nghỉ cuối tuần"},
        {"date": "2026-02-16", "weekday": "Thứ Hai", "reason": "Giao thừa Tết Nguyên Đán"},
    ]
    assert [d["date"] for d in body["non_working_days"]] == [
        "2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-02-21", "2026-02-22",
    ]


def test_working_days_for_an_agency_and_over_three_years(client):
    agency = AgencyFactory()
    CalendarException.objects.create(date=date(2026, 8, 24), kind="off", name="Bảo trì hệ thống", agency=agency)
    body = client.get(WORKING_DAYS, {"from": "2026-08-22", "to": "2026-08-24", "agency": agency.code}).json()
    assert body["working_days"] == 1  # the make-up Saturday
    assert body["non_working_days"] == [
        {"date": "2026-08-23", "weekday": "Chủ Nhật", "reason": "Nghỉ cuối tuần"},
        {"date": "2026-08-24", "weekday": "Thứ Hai", "reason": "Bảo trì hệ thống"},
    ]
    response = client.get(WORKING_DAYS, {"from": "2024-02-29", "to": "2027-02-28"})
    assert response.status_code == 200


def test_the_api_is_public_and_ignores_bad_credentials(client):
    response = client.get(DUE, {"start": "2023-10-27T09:32", "days": "5"}, HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert response.status_code == 200


BAD_DUE = [
    ({"days": "5"}, "required", "start"),
    ({"start": "2023-10-27T09:32"}, "required", "days"),
    ({"start": "", "days": "5"}, "required", "start"),
    ({"start": "hôm qua", "days": "5"}, "invalid_start", "start"),
    ({"start": "2023-13-40T09:32", "days": "5"}, "invalid_start", "start"),
    ({"start": "1899-10-27T09:32", "days": "5"}, "out_of_range", "start"),
    ({"start": "2023-10-27T09:32", "days": "năm"}, "invalid_days", "days"),
    ({"start": "2023-10-27T09:32", "days": "NaN"}, "invalid_days", "days"),
    ({"start": "2023-10-27T09:32", "days": "Infinity"}, "invalid_days", "days"),
    ({"start": "2023-10-27T09:32", "days": "-1"}, "negative_days", "days"),
    ({"start": "2023-10-27T09:32", "days": "1e9"}, "days_too_large", "days"),
    ({"start": "2023-10-27T09:32", "days": "5", "unit": "weeks"}, "invalid_unit", "unit"),
    ({"start": "2023-10-27T09:32", "days": "5", "agency": "000.99.99.H99"}, "unknown_agency", "000.99.99.H99"),
]


@pytest.mark.parametrize(("query", "code", "mentions"), BAD_DUE)
def test_bad_due_queries_get_a_clear_400(client, query, code, mentions):
    response = client.get(DUE, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert mentions in body["detail"]


BAD_WORKING_DAYS = [
    ({"to": "2026-02-23"}, "required", "from"),
    ({"from": "2026-02-09"}, "required", "to"),
    ({"from": "09/02/2026", "to": "2026-02-23"}, "invalid_date", "from"),
    ({"from": "2026-02-09", "to": "2026-02-30"}, "invalid_date", "to"),
    ({"from": "2026-02-23", "to": "2026-02-09"}, "range_reversed", "from"),
    ({"from": "2024-01-01", "to": "2027-01-02"}, "range_too_long", "3 năm"),
    ({"from": "2026-02-09", "to": "2026-02-23", "agency": "không-có"}, "unknown_agency", "không-có"),
]


@pytest.mark.parametrize(("query", "code", "mentions"), BAD_WORKING_DAYS)
def test_bad_working_days_queries_get_a_clear_400(client, query, code, mentions):
    response = client.get(WORKING_DAYS, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert mentions in body["detail"]


def test_openapi_documents_the_parameters():
    generator = SchemaGenerator(patterns=[
        path("api/v1/calendar/due/", api_calendar.DueView.as_view()),
        path("api/v1/calendar/working-days/", api_calendar.WorkingDaysView.as_view()),
    ])
    schema = generator.get_schema(request=None, public=True)
    due = schema["paths"]["/api/v1/calendar/due/"]["get"]
    assert {p["name"]: p.get("required", False) for p in due["parameters"]} == {
        "start": True, "days": True, "unit": False, "agency": False,
    }
    assert set(due["responses"]) == {"200", "400"}
    working = schema["paths"]["/api/v1/calendar/working-days/"]["get"]
    assert {p["name"] for p in working["parameters"]} == {"from", "to", "agency"}
    body = schema["components"]["schemas"]["CalendarWorkingDays"]
    assert set(body["properties"]) == {"from", "to", "working_days", "non_working_days"}
