"""Public tracking: code + phone (or its last 4 digits), no personal data, one answer for every miss, rate-limited."""

import pytest
from django.core.cache import cache

from dossiers import deadlines, services, tracking
from dossiers import serializers as s
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


def test_only_failed_lookups_count_so_a_shared_address_is_not_locked_out(client, dossier, world, settings):
    """A commune office or a kiosk: many citizens, one address, each looking up their own dossier."""
    settings.TRACKING_RATE = "3/m"
    other = build_state(world, "received")
    for _ in range(5):
        assert client.get(URL.format(dossier.code), {"phone": "5678"}).status_code == 200
        assert client.get(URL.format(other.code), {"phone": "0912345678"}).status_code == 200
    # A wrong phone, an unknown code and a malformed code are all misses.
    assert client.get(URL.format(dossier.code), {"phone": "1111"}).status_code == 404
    assert client.get(URL.format(dossier.code[:-1] + "9"), {"phone": "5678"}).status_code == 404
    assert client.get(URL.format("X" * 61), {"phone": "5678"}).status_code == 404
    limited = client.get(URL.format(dossier.code), {"phone": "5678"})
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60


def test_anonymous_and_read_only(client, dossier):
    assert client.post(URL.format(dossier.code), {"phone": "0912345678"}).status_code == 405


@pytest.mark.parametrize("steps", ["received", "returned"])
def test_tracking_runs_two_queries_whatever_the_timeline_then_none_from_the_cache(
        client, world, django_assert_num_queries, steps):
    dossier = build_state(world, steps)
    with django_assert_num_queries(2):  # the dossier with its agencies and procedure; the timeline
        first = client.get(URL.format(dossier.code), {"phone": "0912345678"})
    with django_assert_num_queries(0):
        again = client.get(URL.format(dossier.code), {"phone": "5678"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()


def test_the_body_has_exactly_the_fields_the_schema_documents(client, world):
    """tracking_json writes the body by hand for speed; TrackingSerializer is what the OpenAPI schema shows."""
    body = client.get(URL.format(build_state(world, "returned").code), {"phone": "5678"}).json()

    def fields(serializer) -> set[str]:
        return set(serializer.fields)

    assert set(body) == fields(s.TrackingSerializer())
    assert set(body["procedure"]) == fields(s.ProcedureBriefSerializer())
    assert set(body["appointment"]) == fields(s.AppointmentSerializer())
    assert body["timeline"] and all(set(step) == fields(s.TrackingStepSerializer()) for step in body["timeline"])


def test_the_answer_matches_what_the_serializer_would_write(client, world):
    """Same values as DRF's own fields would give (ISO datetimes in Vietnam's time, labels)."""
    dossier = build_state(world, "processing")
    body = client.get(URL.format(dossier.code), {"phone": "5678"}).json()
    assert body["received_at"] == s.serializers.DateTimeField().to_representation(dossier.received_at)
    assert body["received_at"].endswith("+07:00")
    assert body["appointment"]["at"] == s.serializers.DateTimeField().to_representation(dossier.due_at)
    assert body["appointment"]["date"] == deadlines.localize(dossier.due_at).date().isoformat()
    assert body["substep_label"] == dossier.get_substep_display()
    assert body["timeline"][0] == {
        "action": "submit", "label": "Nộp hồ sơ", "status": "submitted", "status_label": "Mới đăng ký",
        "at": s.serializers.DateTimeField().to_representation(dossier.steps.first().at),
        "from_agency": body["timeline"][0]["from_agency"], "to_agency": body["timeline"][0]["to_agency"]}


def test_a_workflow_step_shows_at_once_despite_the_cache(client, world, django_capture_on_commit_callbacks):
    dossier = build_state(world, "processing")
    assert client.get(URL.format(dossier.code), {"phone": "5678"}).json()["status"] == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_send_for_approval(dossier=dossier, by=world.specialist, result_summary="Đủ điều kiện")
    body = client.get(URL.format(dossier.code), {"phone": "5678"}).json()
    assert body["substep_label"] == "Chờ lãnh đạo phê duyệt"
    assert body["timeline"][-1]["action"] == "send_for_approval"


def test_a_lookup_during_the_transaction_cannot_leave_the_old_state_cached(client, world,
                                                                           django_capture_on_commit_callbacks):
    """A reader that cached the old state before the writer committed is overruled after commit."""
    dossier = build_state(world, "processing")
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_send_for_approval(dossier=dossier, by=world.specialist, result_summary="Đủ điều kiện")
        # Inside the writer's transaction: what another connection would still read is the old state.
        cache.set(tracking._key("code", dossier.code), "stale card from another process")
    body = client.get(URL.format(dossier.code), {"phone": "5678"}).json()
    assert body["timeline"][-1]["action"] == "send_for_approval"


def test_a_remembered_miss_costs_no_query(client, world, django_assert_num_queries):
    code = build_state(world, "submitted").code[:-1] + "9"
    assert client.get(URL.format(code), {"phone": "5678"}).status_code == 404
    with django_assert_num_queries(0):
        assert client.get(URL.format(code), {"phone": "5678"}).status_code == 404


def test_a_new_dossier_drops_a_remembered_miss_for_its_code(client, world):
    first = build_state(world, "submitted")
    prefix, number = first.code.rsplit("-", 1)
    next_code = f"{prefix}-{int(number) + 1:0{len(number)}d}"
    assert client.get(URL.format(next_code), {"phone": "5678"}).status_code == 404  # remembered as unknown
    second = build_state(world, "submitted")
    assert second.code == next_code  # the daily sequence's next number
    assert client.get(URL.format(next_code), {"phone": "5678"}).status_code == 200


def test_the_cache_holds_no_phone_number(world):
    dossier = build_state(world, "processing")
    card = tracking.by_code(dossier.code, "5678", client="test")
    assert card is not None
    stored = repr(cache.get(tracking._key("code", dossier.code)))
    assert "0912345678" not in stored and "5678" not in stored.replace(card.phone_digest, "").replace(
        card.last4_digest, "")


def test_caching_can_be_turned_off(client, world, settings, django_assert_num_queries):
    settings.TRACKING_CACHE_SECONDS = 0
    dossier = build_state(world, "received")
    client.get(URL.format(dossier.code), {"phone": "5678"})
    with django_assert_num_queries(2):
        assert client.get(URL.format(dossier.code), {"phone": "5678"}).status_code == 200
