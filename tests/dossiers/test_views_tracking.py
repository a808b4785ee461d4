"""Public tracking: right and wrong phone give status or the same 'not found'; no personal data; rate limit."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from dossiers.models import StepLog
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the rate-limit counters live in the cache (this run's own Redis database)
    yield
    cache.clear()


@pytest.fixture
def agency():
    return AgencyFactory(name="UBND phường Điện Biên")


@pytest.fixture
def dossier(agency):
    procedure = ProcedureFactory(name="Chứng thực bản sao từ bản chính")
    procedure.agencies.add(agency)
    return DossierFactory(procedure=procedure, receiving_agency=agency, received=True,
                          applicant_name="Phạm Văn Bí Mật", applicant_phone="0987654321",
                          applicant_id_number="038090001234", applicant_address="7 Ngõ Riêng Tư")


def lookup(client, code, phone):
    return client.post(reverse("dossiers:tracking"), {"code": code, "phone": phone})


def result_section(response) -> str:
    """The page without what differs by request (CSRF tokens, the inputs echoed back), to compare answers."""
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    return re.sub(r'value="[^"]*"', "", page)  # the CSRF token and what the user typed


def assert_no_personal_data(page: str):
    for secret in ("Phạm Văn Bí Mật", "0987654321", "038090001234", "7 Ngõ Riêng Tư"):
        assert secret not in page


def test_form_is_public(client):
    response = client.get(reverse("dossiers:tracking"))
    assert response.status_code == 200
    assert "Mã hồ sơ" in response.content.decode()


@pytest.mark.parametrize("phone", ["0987654321", "4321", "+84 987 654 321"])
def test_found_with_full_phone_or_last_four_digits(client, dossier, phone):
    response = lookup(client, dossier.code, phone)
    assert response.status_code == 200
    page = response.content.decode()
    assert dossier.code in page
    assert "Được tiếp nhận" in page
    assert "Chứng thực bản sao từ bản chính" in page
    assert "Tiếp nhận hồ sơ" in page  # the step timeline
    assert re.search(r"Thứ (Hai|Ba|Tư|Năm|Sáu), \d\d/\d\d/\d{4}", page)  # the appointment with its weekday
    assert "ngày làm việc" in page
    assert_no_personal_data(page)


def test_code_is_matched_whatever_the_case_and_spaces(client, dossier):
    assert lookup(client, f"  {dossier.code.lower()} ", "4321").status_code == 200


def test_wrong_phone_and_wrong_code_give_the_same_answer(client, dossier):
    wrong_phone = lookup(client, dossier.code, "1111")
    wrong_code = lookup(client, dossier.code[:-4] + "9999", "4321")
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert "Không tìm thấy hồ sơ" in wrong_phone.content.decode()
    assert result_section(wrong_phone) == result_section(wrong_code)
    assert_no_personal_data(wrong_phone.content.decode())


@pytest.mark.parametrize("data, message", [
    ({"code": "", "phone": "4321"}, "Hãy nhập mã hồ sơ."),
    ({"code": "ABC", "phone": ""}, "Hãy nhập số điện thoại hoặc 4 chữ số cuối."),
    ({"code": "ABC", "phone": "321"}, "Nhập đủ số điện thoại (10 chữ số) hoặc đúng 4 chữ số cuối."),
])
def test_bad_input_is_explained(client, data, message):
    response = client.post(reverse("dossiers:tracking"), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_draft_is_never_found(client, agency):
    draft = DossierFactory(receiving_agency=agency, applicant_phone="0987654321")
    assert draft.code is None
    assert lookup(client, "", "4321").status_code == 400


def test_token_from_the_receipt_qr_opens_without_phone(client, dossier):
    response = client.get(reverse("dossiers:tracking-token", args=[dossier.tracking_token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert dossier.code in page and "Được tiếp nhận" in page
    assert_no_personal_data(page)


def test_unknown_token_is_not_found(client, dossier):
    response = client.get(reverse("dossiers:tracking-token", args=["khong-co-that"]))
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in response.content.decode()


def test_lookups_are_rate_limited_per_ip(client, dossier, settings):
    settings.TRACKING_RATE = "3/m"
    for _ in range(3):
        assert lookup(client, dossier.code, "1111").status_code == 404
    response = lookup(client, dossier.code, "4321")  # even the right answer waits
    assert response.status_code == 429
    page = response.content.decode()
    assert "Bạn đã tra cứu quá nhiều lần" in page and dossier.code not in page
    # Another address is not affected.
    assert client.post(reverse("dossiers:tracking"), {"code": dossier.code, "phone": "4321"},
                       REMOTE_ADDR="10.0.0.9").status_code == 200


def test_guessing_links_is_limited_but_opening_ones_own_is_not(client, dossier, settings):
    settings.TRACKING_RATE = "3/m"
    url = reverse("dossiers:tracking-token", args=[dossier.tracking_token])
    for _ in range(5):
        assert client.get(url).status_code == 200
    for guess in ("a" * 32, "b" * 32, "c" * 32):
        assert client.get(reverse("dossiers:tracking-token", args=[guess])).status_code == 404
    assert client.get(url).status_code == 429


@pytest.mark.parametrize("extra_dossiers, extra_steps", [(5, 5), (50, 50)])
def test_tracking_runs_a_fixed_number_of_queries(client, dossier, agency, extra_dossiers, extra_steps,
                                                 django_assert_max_num_queries):
    for _ in range(extra_dossiers):
        DossierFactory(procedure=dossier.procedure, receiving_agency=agency)
    last = dossier.steps.last()
    StepLog.objects.bulk_create([
        StepLog(dossier=dossier, action="extend", from_status=last.to_status, to_status=last.to_status,
                at=last.at, from_agency=agency, to_agency=agency)
        for _ in range(extra_steps)
    ])
    lookup(client, dossier.code, "4321")  # warm the per-process calendar cache
    # dossier with procedure and agencies; its timeline
    with django_assert_max_num_queries(2):
        response = lookup(client, dossier.code, "4321")
    assert response.status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(reverse("dossiers:tracking-token", args=[dossier.tracking_token])).status_code == 200


def test_a_returned_dossier_opened_from_the_qr_offers_the_satisfaction_rating(client):
    dossier = DossierFactory(returned=True)
    page = client.get(reverse("dossiers:tracking-token", args=[dossier.tracking_token])).content.decode()
    assert reverse("ratings:rate", args=[dossier.tracking_token]) in page
    assert "Đánh giá mức độ hài lòng" in page
