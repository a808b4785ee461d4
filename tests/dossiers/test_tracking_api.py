"""Public tracking: code + phone (or its last 4 digits), no personal data, one answer for every miss, rate-limited."""

import pytest
from django.core.cache import cache

from dossiers import deadlines
from dossiers.models import Status

from .conftest import build_state

URL = "/api/v1/tracking/{}/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the rate-limit counters live in the cache (Redis db of this test run)
    yield
    cache.clear()


@pytest.fixture
def dossier(world):
    return build_state(world, "processing")


def test_right_phone_shows_status_appointment_and_timeline(client, dossier, world):
    response = client.get(URL.format(dossier.code), {"phone": "0912345678"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["code"] == dossier.code
    assert (body["status"], body["national_status_id"], body["status_label"]) == ("processing", 4, "Đang xử lý")
    assert body["procedure"] == {"code": world.procedure.code, "name": world.procedure.name}
    appointment = body["appointment"]
    assert appointment["weekday"] == deadlines.weekday_vn(dossier.due_at)
    assert appointment["display"] == deadlines.format_vn(dossier.due_at)
    assert appointment["working_days_left"] >= 0 and appointment["is_late"] is False
    assert [(s["action"], s["label"]) for s in body["timeline"]] == [
        ("submit", "Nộp hồ sơ"), ("receive", "Tiếp nhận hồ sơ"), ("assign", "Phân công xử lý")]
    assert body["timeline"][1]["to_agency"] == "Sở Tư pháp"


def test_no_personal_data_in_the_answer(client, dossier, world):
    content = client.get(URL.format(dossier.code), {"phone": "5678"}).content.decode()
    for secret in (dossier.applicant_name, dossier.applicant_phone, dossier.applicant_id_number,
                   dossier.applicant_email, dossier.applicant_address, world.specialist.full_name,
                   world.clerk.full_name, world.leader.full_name, world.owner.username):
        assert secret not in content


def test_last_four_digits_are_enough(client, dossier):
    assert client.get(URL.format(dossier.code.lower()), {"phone": "5678"}).status_code == 200


def test_wrong_phone_and_wrong_code_give_the_same_answer(client, dossier):
    wrong_phone = client.get(URL.format(dossier.code), {"phone": "0987654321"})
    wrong_code = client.get(URL.format(dossier.code[:-1] + "9"), {"phone": "0912345678"})
    wrong_tail = client.get(URL.format(dossier.code), {"phone": "1234"})
    assert wrong_phone.status_code == wrong_code.status_code == wrong_tail.status_code == 404
    assert wrong_phone.content == wrong_code.content == wrong_tail.content
    assert wrong_phone.json() == {"code": "not_found",
                                  "detail": "Không tìm thấy hồ sơ với mã và số điện thoại đã nhập."}


def test_a_phone_is_required(client, dossier):
    response = client.get(URL.format(dossier.code))
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_finished_dossier_shows_no_countdown(client, world):
    done = build_state(world, "returned")
    body = client.get(URL.format(done.code), {"phone": "0912345678"}).json()
    assert body["status"] == Status.RETURNED and body["national_status_id"] == 10
    assert body["appointment"]["working_days_left"] is None
    assert body["completed_at"] and body["returned_at"]


def test_rate_limited_per_ip_with_a_json_429(client, dossier, settings):
    settings.TRACKING_RATE = "3/m"
    for _ in range(3):
        assert client.get(URL.format(dossier.code), {"phone": "0"}).status_code == 404
    limited = client.get(URL.format(dossier.code), {"phone": "0912345678"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and "thử lại" in limited.json()["detail"]
    assert limited["Retry-After"]
    # Another client address still gets its answer.
    other = client.get(URL.format(dossier.code), {"phone": "0912345678"}, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 200


def test_anonymous_and_read_only(client, dossier):
    assert client.post(URL.format(dossier.code), {"phone": "0912345678"}).status_code == 405


@pytest.mark.parametrize("steps", ["received", "returned"])
def test_tracking_runs_two_queries_whatever_the_timeline(client, world, django_assert_num_queries, steps):
    dossier = build_state(world, steps)
    client.get(URL.format(dossier.code), {"phone": "0912345678"})  # warm the calendar cache
    with django_assert_num_queries(2):  # the dossier with its agencies and procedure; the timeline
        response = client.get(URL.format(dossier.code), {"phone": "0912345678"})
    assert response.status_code == 200
