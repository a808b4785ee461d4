"""The dossier API: thin over the services, one error shape, fixed query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Dossier, Status
from tests.factories import TINY_PDF

from .conftest import build_state

API = "/api/v1"


def pdf(name="giay-to.pdf"):
    return SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


# ----- drafts and submission -------------------------------------------------------------------------------------


def test_create_a_draft_as_json_prefilled_from_the_account(world, as_user):
    client = as_user(world.owner)
    response = post_json(client, f"{API}/dossiers/", {"procedure": world.procedure.code, "address": "Xã Quảng Phú"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["code"] is None
    assert body["applicant_name"] == world.owner.full_name
    assert body["applicant_phone"] == world.owner.phone
    assert body["applicant_address"] == "Xã Quảng Phú"
    assert body["receiving_agency"]["code"] == world.centre.code


def test_create_with_files_per_required_document_then_submit(world, as_user):
    client = as_user(world.owner)
    documents = list(world.procedure.current_version.cases.get().documents.all())
    data = {"procedure": world.procedure.code, "phone": "0912345678", "id_number": "038087042028"}
    data.update({f"doc_{d.pk}": pdf(f"{d.pk}.pdf") for d in documents})
    response = client.post(f"{API}/dossiers/", data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(a["required_document"] for a in body["attachments"]) == sorted(d.pk for d in documents)
    submitted = client.post(f"{API}/dossiers/{body['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["code"].startswith(world.centre.code + "-")
    assert submitted.json()["national_status_id"] == 1


def test_bad_files_are_all_reported_and_nothing_is_written(world, as_user, settings):
    client = as_user(world.owner)
    first, second = world.procedure.current_version.cases.get().documents.all()
    before = Dossier.objects.count()
    response = client.post(f"{API}/dossiers/", {
        "procedure": world.procedure.code,
        f"doc_{first.pk}": SimpleUploadedFile("hoa-don.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        f"doc_{second.pk}": SimpleUploadedFile("anh.jpg", b"<html><script>x</script></html>"),
    })
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert "hoa-don.pdf" in body["errors"][f"doc_{first.pk}"][0]
    assert "anh.jpg" in body["errors"][f"doc_{second.pk}"][0]
    assert Dossier.objects.count() == before
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_unknown_procedure_is_a_field_error(world, as_user):
    response = post_json(as_user(world.owner), f"{API}/dossiers/", {"procedure": "9.999999"})
    assert response.status_code == 400
    assert "procedure" in response.json()["errors"]


def test_incomplete_submission_is_a_400_with_the_missing_items(world, as_user):
    client = as_user(world.owner)
    created = post_json(client, f"{API}/dossiers/", {"procedure": world.procedure.code}).json()
    response = client.post(f"{API}/dossiers/{created['id']}/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete"
    assert "Tờ khai theo mẫu" in response.json()["detail"]


def test_upload_and_remove_an_attachment(world, as_user):
    client = as_user(world.owner)
    created = post_json(client, f"{API}/dossiers/", {"procedure": world.procedure.code}).json()
    document = world.procedure.current_version.cases.get().documents.first()
    response = client.post(f"{API}/dossiers/{created['id']}/attachments/",
                           {"file": pdf("../../to-khai.pdf"), "required_document": document.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["original_name"] == "to-khai.pdf"
    assert response.json()["content_type"] == "application/pdf"
    removed = client.delete(f"{API}/dossiers/{created['id']}/attachments/{response.json()['id']}/")
    assert removed.status_code == 204
    stranger = as_user(world.other_citizen)
    assert stranger.post(f"{API}/dossiers/{created['id']}/attachments/", {"file": pdf()}).status_code == 404


def test_draft_autosave_through_patch(world, as_user):
    client = as_user(world.owner)
    created = post_json(client, f"{API}/dossiers/", {"procedure": world.procedure.code}).json()
    response = client.patch(f"{API}/dossiers/{created['id']}/", {"name": "Lê Thị Lưu", "delivery": "postal"},
                            content_type="application/json")
    assert response.status_code == 200, response.json()
    assert (response.json()["applicant_name"], response.json()["delivery"]) == ("Lê Thị Lưu", "postal")


# ----- who may see ----------------------------------------------------------------------------------------------------


def test_detail_for_owner_staff_in_scope_and_nobody_else(world, as_user):
    dossier = build_state(world, "processing")
    url = f"{API}/dossiers/{dossier.pk}/"
    assert as_user(world.owner).get(url).status_code == 200
    staff = as_user(world.specialist).get(url)
    assert staff.status_code == 200
    assert set(staff.json()["allowed_actions"]) >= {"send_for_approval", "transfer", "request_supplement"}
    assert [s["action"] for s in staff.json()["steps"]] == ["submit", "receive", "assign"]
    stranger = as_user(world.other_citizen).get(url)
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    outside = as_user(world.specialist_elsewhere).get(url)
    assert outside.status_code == 403 and outside.json()["code"] == "permission_denied"


def test_anonymous_gets_401_or_403_in_the_error_shape(world, client):
    response = client.get(f"{API}/inbox/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "detail"}


# ----- staff actions --------------------------------------------------------------------------------------------------


def test_the_whole_life_through_the_api(world, as_user):
    dossier = build_state(world, "submitted")
    url = f"{API}/dossiers/{dossier.pk}/actions"
    case = world.procedure.current_version.cases.get()
    received = post_json(as_user(world.clerk), f"{url}/receive/", {
        "checklist": [{"required_document": case.documents.first().pk, "originals": 1}]})
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received" and received.json()["due_at"]
    assert received.json()["current_agency"]["code"] == world.justice.code
    assigned = post_json(as_user(world.leader), f"{url}/assign/", {"assignee": world.specialist.pk})
    assert assigned.json()["assignee"]["id"] == world.specialist.pk
    sent = post_json(as_user(world.specialist), f"{url}/send_for_approval/", {"result_summary": "Đủ điều kiện"})
    assert sent.json()["substep"] == "awaiting_approval"
    approved = post_json(as_user(world.leader), f"{url}/approve/")
    assert approved.json()["status"] == "result_ready" and approved.json()["completed_at"]
    returned = post_json(as_user(world.clerk), f"{url}/return_result/", {"collected_by_name": "Lê Văn Công Dân"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["national_status_id"] == 10


def test_conflict_is_409_with_a_vietnamese_message(world, as_user):
    dossier = build_state(world, "received")
    response = post_json(as_user(world.clerk), f"{API}/dossiers/{dossier.pk}/actions/receive/")
    assert response.status_code == 409
    assert response.json() == {"code": "conflict", "detail": response.json()["detail"]}
    assert "Được tiếp nhận" in response.json()["detail"]


def test_wrong_role_is_403_and_bad_body_is_400(world, as_user):
    dossier = build_state(world, "awaiting_approval")
    url = f"{API}/dossiers/{dossier.pk}/actions"
    forbidden = post_json(as_user(world.specialist), f"{url}/approve/")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    citizen = post_json(as_user(world.owner), f"{url}/approve/")
    assert citizen.status_code == 403
    bad = post_json(as_user(world.leader), f"{url}/send_back/", {})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "note" in bad.json()["errors"]
    empty = post_json(as_user(world.clerk), f"{API}/dossiers/{build_state(world, 'submitted').pk}/actions/"
                      "request_supplement/", {"items": []})
    assert empty.status_code == 400
    assert as_user(world.leader).post(f"{url}/teleport/").status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).substep == "awaiting_approval"


def test_extension_through_the_api_keeps_the_original_date(world, as_user):
    dossier = build_state(world, "processing")
    new_due = (dossier.due_at.replace(microsecond=0) + dt.timedelta(days=10)).isoformat()
    response = post_json(as_user(world.leader), f"{API}/dossiers/{dossier.pk}/actions/extend/",
                         {"new_due_at": new_due, "reason": "Chờ xác minh", "kind": "extension"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["original_due_at"] != body["due_at"]
    assert body["extensions"][0]["kind"] == "extension"


# ----- lists --------------------------------------------------------------------------------------------------------


def _inbox_ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_inbox_filters_and_paginates(world, as_user):
    received = build_state(world, "received")
    processing = build_state(world, "processing")
    client = as_user(world.leader)
    assert set(_inbox_ids(client.get(f"{API}/inbox/"))) == {received.pk, processing.pk}
    assert _inbox_ids(client.get(f"{API}/inbox/", {"status": "processing"})) == [processing.pk]
    assert _inbox_ids(client.get(f"{API}/inbox/", {"q": processing.code})) == [processing.pk]
    assert _inbox_ids(client.get(f"{API}/inbox/", {"procedure": "0.000000"})) == []
    page = client.get(f"{API}/inbox/", {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    row = page["results"][0]
    assert {"working_seconds_left", "urgency", "status_label", "national_status_id"} <= set(row)
    bad = client.get(f"{API}/inbox/", {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    assert as_user(world.owner).get(f"{API}/inbox/").status_code == 403


@pytest.mark.parametrize("extra", [0, 8])
def test_inbox_runs_a_fixed_number_of_queries(world, as_user, django_assert_num_queries, extra):
    for _ in range(2 + extra):
        build_state(world, "processing")
    client = as_user(world.province_leader)
    client.get(f"{API}/inbox/")  # warm the process-wide calendar cache, as in a running server
    # session, user, roles, the leader's agency subtree (2 levels), count, page, its procedures
    with django_assert_num_queries(8):
        response = client.get(f"{API}/inbox/")
    assert len(response.json()["results"]) == 2 + extra


@pytest.mark.parametrize("extra", [0, 8])
def test_my_dossiers_run_a_fixed_number_of_queries(world, as_user, django_assert_num_queries, extra):
    for _ in range(1 + extra):
        build_state(world, "submitted")
    client = as_user(world.owner)
    with django_assert_num_queries(4):  # session, user, count, page
        response = client.get(f"{API}/my-dossiers/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1 + extra


def test_my_dossiers_are_only_mine(world, as_user):
    build_state(world, "submitted")
    assert as_user(world.other_citizen).get(f"{API}/my-dossiers/").json()["count"] == 0


def test_withdraw_from_my_dossiers(world, as_user):
    dossier = build_state(world, "processing")
    client = as_user(world.owner)
    response = post_json(client, f"{API}/my-dossiers/{dossier.pk}/withdraw/", {"reason": "Không còn nhu cầu"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = post_json(client, f"{API}/my-dossiers/{dossier.pk}/withdraw/", {"reason": "Lần nữa"})
    assert again.status_code == 409
    stranger = post_json(as_user(world.other_citizen), f"{API}/my-dossiers/{dossier.pk}/withdraw/", {"reason": "x"})
    assert stranger.status_code == 404


def test_complete_a_supplement_online(world, as_user):
    dossier = build_state(world, "supplement")
    client = as_user(world.owner)
    upload = client.post(f"{API}/dossiers/{dossier.pk}/attachments/", {"file": pdf("cccd-ro.pdf")})
    assert upload.status_code == 201, upload.json()
    response = post_json(client, f"{API}/my-dossiers/{dossier.pk}/complete-supplement/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.PROCESSING
    assert response.json()["pauses"][0]["ended_at"]


def test_the_schema_documents_every_operation(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/dossiers/{id}/actions/receive/" in paths
    assert "/api/v1/tracking/{code}/" in paths
    ids = [op["operationId"] for path in paths.values() for op in path.values() if isinstance(op, dict)]
    assert len(ids) == len(set(ids))
