"""Staff inbox and dossier page: scope, urgency order, filters, and every action through the workflow."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from dossiers.models import Dossier, Status, StepLog, Substep
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory, UserFactory, citizen, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory(name="UBND phường Hạc Thành")


@pytest.fixture
def elsewhere():
    return AgencyFactory(name="UBND xã Quảng Phú")


@pytest.fixture
def procedure(agency):
    procedure = ProcedureFactory(name="Đăng ký khai tử")
    procedure.agencies.add(agency)
    return procedure


@pytest.fixture
def specialist(agency):
    return staff_of(agency, Role.SPECIALIST)


@pytest.fixture
def leader(agency):
    return staff_of(agency, Role.LEADER)


def dossier_at(agency, procedure, **traits):
    return DossierFactory(procedure=procedure, receiving_agency=agency, **traits)


def as_user(client, user):
    client.force_login(user)
    return client


# --- access ---------------------------------------------------------------------------------------------------


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("dossiers:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_citizens_are_refused(client, agency, procedure):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, dossier.submitted_by)
    assert client.get(reverse("dossiers:inbox")).status_code == 403
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 403
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "assign"]),
                           {"assign-assignee": dossier.submitted_by.pk})
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).assignee is None


def test_out_of_scope_staff_are_refused(client, agency, procedure, elsewhere):
    dossier = dossier_at(agency, procedure, received=True)
    outsider = UserFactory(role=Role.SPECIALIST, agency=elsewhere)
    as_user(client, outsider)
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 403
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "assign"]), {"assign-assignee": outsider.pk})
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).assignee is None
    assert dossier.code not in client.get(reverse("dossiers:inbox")).content.decode()


def test_unknown_dossier_and_unknown_action_are_404(client, agency, procedure, specialist):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, specialist)
    assert client.get(reverse("dossiers:detail", args=[999999])).status_code == 404
    assert client.post(reverse("dossiers:action", args=[dossier.pk, "explode"])).status_code == 404


def test_action_requires_post(client, agency, procedure, specialist):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, specialist)
    assert client.get(reverse("dossiers:action", args=[dossier.pk, "assign"])).status_code == 405


# --- inbox ----------------------------------------------------------------------------------------------------


def test_specialist_sees_unassigned_and_own_work_most_urgent_first(client, agency, procedure, specialist,
                                                                   elsewhere):
    fresh = dossier_at(agency, procedure, received=True)
    late = dossier_at(agency, procedure, received=True, overdue=True)
    mine = dossier_at(agency, procedure, processing=True)  # the factory assigns staff_of(agency, specialist)
    colleague = UserFactory(role=Role.SPECIALIST, agency=agency)
    theirs = dossier_at(agency, procedure, received=True)
    Dossier.objects.filter(pk=theirs.pk).update(assignee=colleague, status=Status.PROCESSING)  # test data
    other_agency = DossierFactory(received=True, receiving_agency=elsewhere)
    draft = dossier_at(agency, procedure)

    page = as_user(client, specialist).get(reverse("dossiers:inbox")).content.decode()
    codes = re.findall(r'class="inbox-link">([^<]+)<', page)
    assert codes[0] == late.code  # late first
    assert set(codes) == {fresh.code, late.code, mine.code}
    assert theirs.code not in page and other_agency.code not in page and f">{draft.pk}<" not in page
    assert "badge-bad" in page and "Quá hạn" in page
    assert "badge-ok" in page and "Trong hạn" in page


def test_leader_sees_the_agency_and_can_filter_awaiting_approval(client, agency, procedure, leader):
    waiting = dossier_at(agency, procedure, awaiting_approval=True)
    received = dossier_at(agency, procedure, received=True)
    as_user(client, leader)
    page = client.get(reverse("dossiers:inbox")).content.decode()
    assert waiting.code in page and received.code in page
    page = client.get(reverse("dossiers:inbox"), {"status": "awaiting_approval"}).content.decode()
    assert waiting.code in page and received.code not in page
    assert "Chờ lãnh đạo phê duyệt" in page


def test_filters_by_procedure_status_due_window_and_search(client, agency, procedure, specialist):
    other_procedure = ProcedureFactory(name="Cấp bản sao trích lục")
    other_procedure.agencies.add(agency)
    a = dossier_at(agency, procedure, received=True, applicant_name="Nguyễn Thị Tìm Thấy")
    b = dossier_at(agency, other_procedure, received=True, overdue=True)
    c = dossier_at(agency, procedure, processing=True)
    as_user(client, specialist)

    def codes(**params):
        page = client.get(reverse("dossiers:inbox"), params).content.decode()
        return set(re.findall(r'class="inbox-link">([^<]+)<', page))

    assert codes(procedure=other_procedure.pk) == {b.code}
    assert codes(status="processing") == {c.code}
    assert codes(due="overdue") == {b.code}
    assert codes(q="Tìm Thấy") == {a.code}
    assert codes(q=a.code) == {a.code}
    assert codes(q=a.code[-4:]) >= {a.code}


def test_bad_filter_is_explained(client, agency, procedure, specialist):
    as_user(client, specialist)
    late = dossier_at(agency, procedure, received=True, overdue=True)
    fresh = dossier_at(agency, procedure, received=True)
    response = client.get(reverse("dossiers:inbox"), {"status": "xoa-het", "due": "overdue"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Giá trị lọc không hợp lệ." in page
    assert late.code in page and fresh.code not in page  # the valid filter still applies


@pytest.mark.parametrize("count", [5, 50])
def test_inbox_runs_a_fixed_number_of_queries(client, agency, procedure, specialist, count,
                                             django_assert_max_num_queries):
    for i in range(count):
        dossier_at(agency, procedure, **({"processing": True} if i % 3 == 0 else {"received": True}))
    as_user(client, specialist)
    client.get(reverse("dossiers:inbox"))  # warm the per-process calendar cache
    # session, user, groups, procedures of the filter, count, page of dossiers (+ agencies), its procedures
    with django_assert_max_num_queries(8):
        response = client.get(reverse("dossiers:inbox"), {"q": "", "status": "", "due": "", "procedure": ""})
    assert response.status_code == 200


# --- dossier page ---------------------------------------------------------------------------------------------


def test_dossier_page_shows_facts_files_log_and_allowed_actions(client, agency, procedure, specialist):
    dossier = dossier_at(agency, procedure, received=True, applicant_name="Đỗ Văn Hiển")
    page = as_user(client, specialist).get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert dossier.code in page and "Đỗ Văn Hiển" in page
    assert reverse("dossiers:attachment", args=[dossier.attachments.first().pk]) in page
    assert "Phiếu kiểm soát quá trình giải quyết" in page and "Tiếp nhận hồ sơ" in page
    assert "Nhận xử lý hồ sơ" in page  # a specialist accepts for himself
    assert reverse("dossiers:action", args=[dossier.pk, "transfer"]) in page
    assert reverse("dossiers:action", args=[dossier.pk, "approve"]) not in page  # leaders only
    assert reverse("dossiers:action", args=[dossier.pk, "stop"]) not in page


def test_specialist_accepts_a_dossier(client, agency, procedure, specialist):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, specialist)
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "assign"]), {"assign-assignee": specialist.pk})
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    dossier.refresh_from_db()
    assert (dossier.status, dossier.assignee, dossier.substep) == (Status.PROCESSING, specialist, Substep.ASSIGNED)
    assert StepLog.objects.filter(dossier=dossier, action="assign", by=specialist, to_user=specialist).exists()
    assert "Đã thực hiện" in client.get(response["Location"]).content.decode()


def test_leader_assigns_to_a_specialist(client, agency, procedure, leader, specialist):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, leader)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert 'name="assign-assignee"' in page and "<select" in page
    client.post(reverse("dossiers:action", args=[dossier.pk, "assign"]), {"assign-assignee": specialist.pk})
    assert Dossier.objects.get(pk=dossier.pk).assignee == specialist


def test_send_for_approval_needs_a_result_summary(client, agency, procedure):
    dossier = dossier_at(agency, procedure, processing=True)
    as_user(client, dossier.assignee)
    url = reverse("dossiers:action", args=[dossier.pk, "send_for_approval"])
    response = client.post(url, {"send_for_approval-result_summary": "", "send_for_approval-note": ""})
    assert response.status_code == 400
    assert "Hãy tóm tắt kết quả giải quyết." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).substep == Substep.ASSIGNED

    client.post(url, {"send_for_approval-result_summary": "Đủ điều kiện, dự thảo trích lục kèm theo"})
    dossier.refresh_from_db()
    assert dossier.substep == Substep.AWAITING_APPROVAL
    assert dossier.result_summary == "Đủ điều kiện, dự thảo trích lục kèm theo"


def test_leader_approves_or_sends_back(client, agency, procedure, leader):
    approved = dossier_at(agency, procedure, awaiting_approval=True)
    returned = dossier_at(agency, procedure, awaiting_approval=True)
    as_user(client, leader)
    page = client.get(reverse("dossiers:detail", args=[approved.pk])).content.decode()
    assert "Phê duyệt kết quả" in page and "Trả lại chuyên viên" in page
    client.post(reverse("dossiers:action", args=[approved.pk, "approve"]), {"approve-note": "Đồng ý"})
    assert Dossier.objects.get(pk=approved.pk).status == Status.RESULT_READY

    response = client.post(reverse("dossiers:action", args=[returned.pk, "send_back"]), {"send_back-note": ""})
    assert response.status_code == 400
    assert "Hãy nêu lý do trả lại" in response.content.decode()
    client.post(reverse("dossiers:action", args=[returned.pk, "send_back"]), {"send_back-note": "Thiếu chữ ký"})
    returned.refresh_from_db()
    assert (returned.status, returned.substep) == (Status.PROCESSING, Substep.ASSIGNED)


def test_illegal_transition_is_shown_as_a_form_error_not_a_500(client, agency, procedure, leader):
    dossier = dossier_at(agency, procedure, processing=True)  # not sent for approval
    as_user(client, leader)
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "approve"]), {"approve-note": ""})
    assert response.status_code == 409
    assert "Hồ sơ chưa được trình lãnh đạo phê duyệt." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING


def test_specialist_may_not_approve(client, agency, procedure):
    dossier = dossier_at(agency, procedure, awaiting_approval=True)
    as_user(client, dossier.assignee)
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "approve"]), {"approve-note": ""})
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING


def test_request_supplement_needs_at_least_one_item(client, agency, procedure):
    dossier = dossier_at(agency, procedure, processing=True)
    as_user(client, dossier.assignee)
    url = reverse("dossiers:action", args=[dossier.pk, "request_supplement"])
    management = {"request_supplement-TOTAL_FORMS": "3", "request_supplement-INITIAL_FORMS": "0"}
    response = client.post(url, management)
    assert response.status_code == 400
    assert "Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do." in response.content.decode()

    response = client.post(url, {**management, "request_supplement-0-document": "Giấy chứng tử"})
    assert response.status_code == 400
    assert "Hãy nêu lý do cần bổ sung." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING

    client.post(url, {**management, "request_supplement-0-document": "Giấy chứng tử",
                      "request_supplement-0-reason": "Bản chụp thiếu trang 2",
                      "request_supplement-1-document": "Sổ hộ khẩu", "request_supplement-1-reason": "Hết hiệu lực"})
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT
    assert dossier.pauses.get().items == [
        {"document": "Giấy chứng tử", "reason": "Bản chụp thiếu trang 2"},
        {"document": "Sổ hộ khẩu", "reason": "Hết hiệu lực"},
    ]


def test_transfer_to_another_agency(client, agency, procedure, elsewhere):
    dossier = dossier_at(agency, procedure, processing=True)
    as_user(client, dossier.assignee)
    url = reverse("dossiers:action", args=[dossier.pk, "transfer"])
    outsider = UserFactory(role=Role.SPECIALIST, agency=elsewhere)
    response = client.post(url, {"transfer-to_agency": elsewhere.pk, "transfer-to_user": outsider.pk})
    assert response.status_code == 400  # only colleagues of the current agency can be named
    assert Dossier.objects.get(pk=dossier.pk).current_agency == agency

    client.post(url, {"transfer-to_agency": elsewhere.pk, "transfer-note": "Liên thông xác minh"})
    dossier.refresh_from_db()
    assert (dossier.current_agency, dossier.substep, dossier.assignee) == (elsewhere, Substep.TRANSFERRED, None)


def test_leader_stops_a_dossier_with_a_reason(client, agency, procedure, leader):
    dossier = dossier_at(agency, procedure, processing=True)
    as_user(client, leader)
    url = reverse("dossiers:action", args=[dossier.pk, "stop"])
    response = client.post(url, {"stop-reason": ""})
    assert response.status_code == 400 and "Hãy nêu lý do dừng xử lý." in response.content.decode()
    client.post(url, {"stop-reason": "Người nộp đề nghị", "stop-legal_basis": "Điều 19 NĐ 118/2025"})
    assert Dossier.objects.get(pk=dossier.pk).status == Status.STOPPED


def test_financial_obligation_round_trip(client, agency, procedure):
    dossier = dossier_at(agency, procedure, processing=True)
    as_user(client, dossier.assignee)
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "request_financial"]),
                           {"request_financial-amount_vnd": "-5"})
    assert response.status_code == 400 and "Số tiền phải lớn hơn 0." in response.content.decode()
    client.post(reverse("dossiers:action", args=[dossier.pk, "request_financial"]),
                {"request_financial-amount_vnd": "1500000"})
    assert Dossier.objects.get(pk=dossier.pk).status == Status.FINANCIAL
    client.post(reverse("dossiers:action", args=[dossier.pk, "complete_financial"]))
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING


def test_two_clicks_on_one_dossier_the_second_gets_a_clear_conflict(client, agency, procedure, leader):
    dossier = dossier_at(agency, procedure, awaiting_approval=True)
    as_user(client, leader)
    url = reverse("dossiers:action", args=[dossier.pk, "approve"])
    assert client.post(url, {"approve-note": ""}).status_code == 302
    response = client.post(url, {"approve-note": ""})
    assert response.status_code == 409
    assert "Đã xử lý xong" in response.content.decode()  # the message names the current status


def test_citizen_of_the_dossier_is_not_staff(client, agency, procedure):
    dossier = dossier_at(agency, procedure, received=True)
    as_user(client, citizen())
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 403


def test_no_accept_button_on_ones_own_dossier(client, agency, procedure):
    dossier = dossier_at(agency, procedure, processing=True)
    page = as_user(client, dossier.assignee).get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Nhận xử lý hồ sơ" not in page
    assert reverse("dossiers:action", args=[dossier.pk, "send_for_approval"]) in page


def test_desk_actions_point_to_the_desk(client, agency, procedure):
    dossier = dossier_at(agency, procedure, submitted=True)
    page = as_user(client, staff_of(agency, Role.CLERK)).get(reverse("dossiers:detail", args=[dossier.pk]))
    assert page.status_code == 200
    assert "được thực hiện tại Bộ phận Một cửa" in page.content.decode()


# --- delay notice (issue 5: the apology and new appointment from the dossier page) ---------------------------


def test_leader_issues_the_apology_with_a_new_date_and_the_original_is_kept(client, agency, procedure, leader):
    from dossiers.models import Extension, FormKind

    dossier = dossier_at(agency, procedure, received=True)
    original_due, due = dossier.original_due_at, dossier.due_at
    response = as_user(client, leader).post(
        reverse("dossiers:action", args=[dossier.pk, "extend"]),
        {"extend-reason": "Chờ kết quả xác minh của cơ quan phối hợp", "extend-extra_working_days": "2"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    extension = Extension.objects.get(dossier=dossier)
    assert extension.reason == "Chờ kết quả xác minh của cơ quan phối hợp"
    assert dossier.due_at > due and dossier.original_due_at == original_due
    assert dossier.documents.filter(kind=FormKind.APOLOGY).count() == 1


def test_an_apology_without_a_reason_is_a_clear_error_and_changes_nothing(client, agency, procedure, leader):
    from dossiers.models import Extension

    dossier = dossier_at(agency, procedure, received=True)
    response = as_user(client, leader).post(
        reverse("dossiers:action", args=[dossier.pk, "extend"]),
        {"extend-reason": "", "extend-extra_working_days": "2"},
    )
    assert response.status_code == 400
    assert "Hãy nêu lý do chậm trả kết quả." in response.content.decode()
    assert not Extension.objects.filter(dossier=dossier).exists()
