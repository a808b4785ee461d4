"""/api/v1/desk/...: the same services as the desk's buttons, JSON errors with the right status."""

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from dossiers.models import Dossier, FormKind, IssuedDocument, Status
from reception import queue
from tests.factories import UserFactory, citizen

from .conftest import APPLICANT


@pytest.fixture
def api():
    return APIClient()


def checklist(documents, received=True):
    return [{"required_document": d.pk, "received": received, "originals": d.originals, "certified_copies": d.copies}
            for d in documents]


def test_intake_and_receive_returns_the_receipt(api, clerk, procedure, documents):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/desk/intake/", {
        "procedure": procedure.code, "applicant": APPLICANT, "outcome": "receive",
        "checklist": checklist(documents)}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    dossier = Dossier.objects.get()
    assert body["dossier"]["code"] == dossier.code and body["dossier"]["status"] == Status.RECEIVED
    assert body["document"]["kind"] == FormKind.RECEIPT
    assert body["document"]["url"] == f"/ho-so/tai-lieu/{IssuedDocument.objects.get().pk}/"


def test_intake_supplement_with_an_empty_list_is_a_400_and_nothing_is_written(api, clerk, procedure, documents):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/desk/intake/", {
        "procedure": procedure.code, "applicant": APPLICANT, "outcome": "supplement", "items": []}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_supplement",
                               "detail": "Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do — tất cả trong một lần."}
    assert not Dossier.objects.exists()


def test_intake_refusal_without_legal_basis_is_a_400(api, clerk, procedure):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/desk/intake/", {
        "procedure": procedure.code, "applicant": APPLICANT, "outcome": "refuse", "reason": "Sai thẩm quyền"},
        format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_refusal"
    assert "căn cứ pháp lý" in response.json()["detail"]
    assert not Dossier.objects.exists()


def test_intake_of_an_unknown_procedure_is_a_404(api, clerk):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/desk/intake/", {"procedure": "9.999999", "applicant": APPLICANT,
                                                 "outcome": "receive"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_malformed_input_is_a_400_with_field_errors(api, clerk, procedure):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/desk/intake/", {"procedure": procedure.code, "outcome": "maybe"}, format="json")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid"
    assert {"outcome", "applicant"} <= set(body["errors"])


def test_supplement_an_online_dossier(api, clerk, online_dossier):
    api.force_authenticate(clerk)
    response = api.post(f"/api/v1/desk/dossiers/{online_dossier.pk}/supplement/", {
        "items": [{"document": "Giấy tờ tùy thân", "reason": "Bản chụp bị mờ"}]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["dossier"]["status"] == Status.SUPPLEMENT
    assert response.json()["document"]["kind"] == FormKind.SUPPLEMENT


def test_supplement_without_items_is_a_400(api, clerk, online_dossier):
    api.force_authenticate(clerk)
    response = api.post(f"/api/v1/desk/dossiers/{online_dossier.pk}/supplement/", {"items": []}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_supplement"
    online_dossier.refresh_from_db()
    assert online_dossier.status == Status.SUBMITTED


def test_refuse_and_receive_endpoints(api, clerk, agency, procedure, documents, online_dossier):
    from tests.factories import DossierFactory

    api.force_authenticate(clerk)
    response = api.post(f"/api/v1/desk/dossiers/{online_dossier.pk}/refuse/", {
        "reason": "Không thuộc thẩm quyền", "legal_basis": "Điều 16 Nghị định 118/2025/NĐ-CP"}, format="json")
    assert response.status_code == 200 and response.json()["dossier"]["status"] == Status.REFUSED
    other = DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    response = api.post(f"/api/v1/desk/dossiers/{other.pk}/receive/", {"checklist": checklist(documents)},
                        format="json")
    assert response.status_code == 200 and response.json()["dossier"]["due_at"]


def test_deciding_twice_is_a_409(api, clerk, online_dossier):
    api.force_authenticate(clerk)
    url = f"/api/v1/desk/dossiers/{online_dossier.pk}/receive/"
    assert api.post(url, {}, format="json").status_code == 200
    response = api.post(url, {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_another_agencys_clerk_gets_403_and_nothing_changes(api, foreign_clerk, online_dossier):
    api.force_authenticate(foreign_clerk)
    for path, body in [("receive", {}), ("refuse", {"reason": "x", "legal_basis": "y"}),
                       ("supplement", {"items": [{"document": "a", "reason": "b"}]}),
                       ("fee", {"amount_vnd": 1, "receipt_number": "BL"})]:
        response = api.post(f"/api/v1/desk/dossiers/{online_dossier.pk}/{path}/", body, format="json")
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
    online_dossier.refresh_from_db()
    assert online_dossier.status == Status.SUBMITTED and online_dossier.fee_paid_vnd is None


@pytest.mark.parametrize("make_user", [citizen, lambda: UserFactory(role=Role.SPECIALIST)])
def test_only_clerks_reach_the_desk_api(api, db, make_user):
    api.force_authenticate(make_user())
    assert api.post("/api/v1/desk/intake/", {}, format="json").status_code == 403
    assert api.get("/api/v1/desk/online-queue/").status_code == 403


def test_anonymous_gets_401_or_403(api, db):
    assert api.get("/api/v1/desk/online-queue/").status_code in (401, 403)


def test_unknown_dossier_is_a_404(api, clerk):
    api.force_authenticate(clerk)
    assert api.post("/api/v1/desk/dossiers/999999/receive/", {}, format="json").status_code == 404


def test_return_and_fee(api, clerk, result_ready):
    api.force_authenticate(clerk)
    response = api.post(f"/api/v1/desk/dossiers/{result_ready.pk}/fee/", {"amount_vnd": 8000,
                                                                         "receipt_number": "BL-7"}, format="json")
    assert response.status_code == 200 and response.json()["fee_paid_vnd"] == 8000
    response = api.post(f"/api/v1/desk/dossiers/{result_ready.pk}/return/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_return"
    response = api.post(f"/api/v1/desk/dossiers/{result_ready.pk}/return/",
                        {"postal_tracking_number": "EB123456789VN"}, format="json")
    assert response.status_code == 200
    assert response.json()["dossier"]["postal_tracking_number"] == "EB123456789VN"
    assert response.json()["document"]["kind"] == FormKind.HANDOVER


def test_call_next_over_the_api(api, clerk, foreign_clerk, counter, service):
    queue.ticket_take(service=service)
    api.force_authenticate(foreign_clerk)
    assert api.post(f"/api/v1/desk/counters/{counter.pk}/call-next/").status_code == 403
    api.force_authenticate(clerk)
    response = api.post(f"/api/v1/desk/counters/{counter.pk}/call-next/")
    assert response.status_code == 200 and response.json()["ticket"]["label"] == "A001"
    assert response.json()["ticket"]["counter"] == 1
    assert api.post(f"/api/v1/desk/counters/{counter.pk}/call-next/").json() == {"ticket": None}


def test_online_queue_lists_the_agencys_waiting_dossiers(api, clerk, online_dossier, django_assert_max_num_queries):
    api.force_authenticate(clerk)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/desk/online-queue/")
    rows = response.json()
    assert [r["id"] for r in rows] == [online_dossier.pk]
    assert 0 < rows[0]["working_seconds_left"] <= 8 * 3600 and rows[0]["urgency"] in ("ok", "warn", "bad")
