"""The desk's pages: role and agency scope, the one-outcome form, errors in Vietnamese, pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from dossiers.models import Dossier, FormKind, IssuedDocument, Status
from reception import queue
from reception.models import Priority, Ticket, TicketStatus
from tests.factories import DossierFactory, UserFactory, citizen

from .conftest import APPLICANT


def intake_data(documents, *, outcome="receive", received=(True, True), problems=("", ""), extra=(), **more):
    data = {
        "applicant_id_number": APPLICANT["id_number"], "applicant_id_type": "cccd",
        "applicant_name": APPLICANT["name"], "applicant_phone": APPLICANT["phone"],
        "applicant_email": APPLICANT["email"], "applicant_address": APPLICANT["address"],
        "delivery": "desk", "channel": "desk", "outcome": outcome, "refuse_reason": "", "refuse_legal_basis": "",
        "case": documents[0].case_id,
        "extra-TOTAL_FORMS": "2", "extra-INITIAL_FORMS": "0", "extra-MIN_NUM_FORMS": "0",
        "extra-MAX_NUM_FORMS": "20",
    }
    for doc, got, problem in zip(documents, received, problems, strict=True):
        prefix = f"doc{doc.pk}"
        if got:
            data[f"{prefix}-received"] = "on"
        data.update({f"{prefix}-originals": str(doc.originals), f"{prefix}-certified_copies": str(doc.copies),
                     f"{prefix}-photocopies": "0", f"{prefix}-problem": problem, f"{prefix}-copy_kind": "photocopy"})
    for i, (document, reason) in enumerate(extra):
        data.update({f"extra-{i}-document": document, f"extra-{i}-reason": reason})
    data.update(more)
    return data


# --- who may reach the desk ------------------------------------------------------------------------------------

DESK_URLS = ["reception:desk", "reception:intake-start", "reception:find", "reception:assisted-start"]


@pytest.mark.parametrize("name", DESK_URLS)
def test_anonymous_users_are_sent_to_the_login_page(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]


@pytest.mark.parametrize("name", DESK_URLS)
def test_a_citizen_cannot_reach_the_desk(client, db, name):
    client.force_login(citizen())
    assert client.get(reverse(name)).status_code == 403


def test_a_specialist_cannot_reach_the_desk(client, agency):
    client.force_login(UserFactory(role=Role.SPECIALIST, agency=agency))
    assert client.get(reverse("reception:desk")).status_code == 403


def test_a_clerk_of_another_agency_gets_403_on_the_dossier_pages(client, foreign_clerk, online_dossier, result_ready):
    client.force_login(foreign_clerk)
    for url in (reverse("reception:check", args=[online_dossier.pk]),
                reverse("reception:dossier", args=[online_dossier.pk]),
                reverse("reception:return", args=[result_ready.pk])):
        assert client.get(url).status_code == 403
    response = client.post(reverse("reception:check", args=[online_dossier.pk]), {"outcome": "refuse"})
    assert response.status_code == 403
    response = client.post(reverse("reception:fee", args=[online_dossier.pk]),
                           {"amount_vnd": "8000", "receipt_number": "BL-1"})
    assert response.status_code == 403
    online_dossier.refresh_from_db()
    assert online_dossier.status == Status.SUBMITTED and online_dossier.fee_paid_vnd is None


def test_the_nav_shows_the_desk_link_to_clerks_only(client, clerk):
    client.force_login(clerk)
    assert reverse("reception:desk") in client.get(reverse("home")).content.decode()
    client.force_login(citizen())
    assert reverse("reception:desk") not in client.get(reverse("home")).content.decode()


# --- the desk home and its queue ---------------------------------------------------------------------------------

def test_desk_lists_online_dossiers_most_urgent_first_with_time_left(client, clerk, agency, procedure):
    late = DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    fresh = DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    Dossier.objects.filter(pk=late.pk).update(confirm_due_at=timezone.now() - dt.timedelta(days=3))
    DossierFactory(procedure=procedure, submitted=True)  # another agency's: not shown
    client.force_login(clerk)
    page = client.get(reverse("reception:desk")).content.decode()
    assert page.index(reverse("reception:check", args=[late.pk])) < page.index(
        reverse("reception:check", args=[fresh.pk]))
    assert "Quá hạn" in page and "badge-bad" in page and "Còn " in page
    assert page.count('href="/mot-cua/ho-so/') == 2


def test_desk_page_query_count_does_not_grow_with_the_queue(client, clerk, agency, procedure, counter,
                                                            django_assert_max_num_queries):
    for _ in range(2):
        DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    client.force_login(clerk)
    session = client.session
    session["desk_counter_id"] = counter.pk
    session.save()
    client.get(reverse("reception:desk"))  # warm the calendar cache
    with django_assert_max_num_queries(12) as captured:
        assert client.get(reverse("reception:desk")).status_code == 200
    few = len(captured)
    for _ in range(5):
        DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    for _ in range(2):
        DossierFactory(procedure=procedure, receiving_agency=agency, walk_in=True, result_ready=True)
    with django_assert_max_num_queries(few):
        page = client.get(reverse("reception:desk")).content.decode()
    assert page.count(">Trả kết quả</a>") == 2


def test_clerk_picks_a_counter_and_calls_the_next_ticket_with_htmx(client, clerk, counter, service):
    queue.ticket_take(service=service)
    elderly = queue.ticket_take(service=service, priority=Priority.ELDERLY)
    client.force_login(clerk)
    client.post(reverse("reception:counter-select"), {"counter": counter.pk})
    response = client.post(reverse("reception:call-next"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="queue-panel"' in body and "<html" not in body and elderly.label in body
    elderly.refresh_from_db()
    assert elderly.status == TicketStatus.CALLED and elderly.counter == counter


def test_a_clerk_cannot_sit_at_another_agencys_counter(client, foreign_clerk, counter):
    client.force_login(foreign_clerk)
    client.post(reverse("reception:counter-select"), {"counter": counter.pk})
    assert "desk_counter_id" not in client.session


def test_call_next_without_a_counter_says_so(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("reception:call-next"), follow=True)
    assert "Hãy chọn quầy trước khi gọi số." in response.content.decode()


# --- the public queue pages ---------------------------------------------------------------------------------------

def test_kiosk_gives_a_ticket_and_prints_it(client, agency, service):
    page = client.get(reverse("reception:kiosk", args=[agency.code]))
    assert page.status_code == 200 and "Lấy số thứ tự" in page.content.decode()
    response = client.post(reverse("reception:kiosk", args=[agency.code]),
                           {"service": service.pk, "priority": Priority.PREGNANT})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reception:ticket", args=[ticket.token])
    slip = client.get(response["Location"]).content.decode()
    assert "A001" in slip and "Phụ nữ mang thai" in slip and "window.print" in slip


def test_kiosk_refuses_an_unknown_service_with_a_clear_message(client, agency, service, other_agency):
    response = client.post(reverse("reception:kiosk", args=[agency.code]), {"service": "999999"})
    assert response.status_code == 400 and "Hãy chọn một dịch vụ." in response.content.decode()
    assert not Ticket.objects.exists()


def test_display_updates_itself_without_reloading_and_is_announced(client, agency, service, counter, clerk,
                                                                   django_assert_max_num_queries):
    for _ in range(3):
        queue.ticket_take(service=service)
    queue.ticket_call_next(counter=counter, by=clerk)
    page = client.get(reverse("reception:display", args=[agency.code])).content.decode()
    assert 'aria-live="polite"' in page and "Mời số A001 đến quầy 1." in page
    assert 'hx-trigger="every 3s"' in page and reverse("reception:display-board", args=[agency.code]) in page
    version = queue.board(agency)["version"]
    url = reverse("reception:display-board", args=[agency.code])
    # Nothing changed: 204, htmx leaves the screen (and the screen reader) alone.
    with django_assert_max_num_queries(3):
        assert client.get(url, {"v": version}, HTTP_HX_REQUEST="true").status_code == 204
    queue.ticket_call_next(counter=counter, by=clerk)
    board = client.get(url, {"v": version}, HTTP_HX_REQUEST="true")
    text = board.content.decode()
    assert board.status_code == 200 and "<html" not in text and "A002" in text and "Quầy 1" in text
    assert 'hx-swap-oob="innerHTML"' in text and "Mời số A002 đến quầy 1." in text


def test_display_board_query_count_is_flat(client, agency, service, service_b, clerk, django_assert_num_queries):
    from .conftest import make_counter

    counters = [make_counter(agency, n, service, service_b) for n in range(1, 6)]
    for _ in range(10):
        queue.ticket_take(service=service)
        queue.ticket_take(service=service_b)
    for c in counters:
        queue.ticket_call_next(counter=c, by=clerk)
    with django_assert_num_queries(3):  # agency, called tickets (with service + counter), waiting per service
        client.get(reverse("reception:display-board", args=[agency.code]))


# --- intake through the page ----------------------------------------------------------------------------------

def test_intake_page_autofocuses_the_id_number_and_lists_the_catalog_checklist(client, clerk, procedure, documents):
    client.force_login(clerk)
    page = client.get(reverse("reception:intake", args=[procedure.pk])).content.decode()
    assert "autofocus" in page.split('name="applicant_id_number"')[1].split(">")[0]
    assert "Tờ khai theo mẫu" in page and "Giấy tờ tùy thân" in page
    assert 'accesskey="r"' in page and 'accesskey="b"' in page and 'accesskey="x"' in page


def test_procedure_search_answers_htmx_with_a_fragment(client, clerk, procedure):
    client.force_login(clerk)
    response = client.get(reverse("reception:intake-start"), {"q": "dang ky khai sinh"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and reverse("reception:intake", args=[procedure.pk]) in body


def test_receiving_through_the_page_shows_the_receipt(client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]), intake_data(documents))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reception:dossier", args=[dossier.pk])
    page = client.get(response["Location"]).content.decode()
    receipt = IssuedDocument.objects.get(dossier=dossier, kind=FormKind.RECEIPT)
    assert dossier.code in page and reverse("dossiers:document", args=[receipt.pk]) in page
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in page


def test_supplement_without_reasons_on_the_page_is_a_clear_error_and_nothing_is_written(
        client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]),
                           intake_data(documents, outcome="supplement"))
    assert response.status_code == 400
    assert "Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do" in response.content.decode()
    assert not Dossier.objects.exists() and not IssuedDocument.objects.exists()


def test_supplement_through_the_page_issues_form_02(client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]), intake_data(
        documents, outcome="supplement", received=(True, False), problems=("", "Thiếu bản sao CCCD"),
        extra=[("Giấy chứng sinh", "Cần bản chính")]))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and dossier.status == Status.SUPPLEMENT
    assert dossier.pauses.get().items == [{"document": "Giấy tờ tùy thân", "reason": "Thiếu bản sao CCCD"},
                                          {"document": "Giấy chứng sinh", "reason": "Cần bản chính"}]
    assert IssuedDocument.objects.filter(dossier=dossier, kind=FormKind.SUPPLEMENT).exists()


def test_refusal_without_reason_on_the_page_is_a_clear_error(client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]),
                           intake_data(documents, outcome="refuse", refuse_reason="Không thuộc thẩm quyền"))
    assert response.status_code == 400 and "Hãy nêu căn cứ pháp lý của việc từ chối." in response.content.decode()
    assert not Dossier.objects.exists()


def test_no_outcome_chosen_on_the_page_is_a_clear_error(client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]), intake_data(documents, outcome=""))
    assert response.status_code == 400
    assert "Hãy chọn một trong ba kết quả" in response.content.decode()
    assert not Dossier.objects.exists()


def test_invalid_applicant_on_the_page_keeps_what_was_typed(client, clerk, procedure, documents):
    client.force_login(clerk)
    response = client.post(reverse("reception:intake", args=[procedure.pk]),
                           intake_data(documents, applicant_phone="123"))
    body = response.content.decode()
    assert response.status_code == 400 and "Số điện thoại di động không hợp lệ" in body
    assert APPLICANT["name"] in body and not Dossier.objects.exists()


def test_applicant_lookup_fills_the_empty_fields_from_the_latest_dossier(client, clerk, agency, procedure):
    DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True, applicant_id_number="038190099999",
                   applicant_name="Phạm Văn Cũ", applicant_phone="0987000111")
    client.force_login(clerk)
    response = client.post(reverse("reception:applicant-lookup"), {
        "procedure": procedure.pk, "applicant_id_number": "038190099999", "applicant_phone": "0911222333"})
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body and "Phạm Văn Cũ" in body
    assert "0987000111" not in body  # the phone already typed is kept


def test_applicant_lookup_does_not_reveal_other_agencies_dossiers(client, clerk, procedure):
    DossierFactory(procedure=procedure, submitted=True, applicant_id_number="038190088888",
                   applicant_name="Người Ở Nơi Khác")
    client.force_login(clerk)
    response = client.post(reverse("reception:applicant-lookup"), {
        "procedure": procedure.pk, "applicant_id_number": "038190088888"})
    assert "Người Ở Nơi Khác" not in response.content.decode()


# --- online check, fee, return, assisted ---------------------------------------------------------------------------

def test_check_page_receives_an_online_dossier(client, clerk, online_dossier, documents):
    client.force_login(clerk)
    page = client.get(reverse("reception:check", args=[online_dossier.pk])).content.decode()
    assert online_dossier.applicant_name in page and "Còn " in page
    data = intake_data(documents)
    response = client.post(reverse("reception:check", args=[online_dossier.pk]), data)
    online_dossier.refresh_from_db()
    assert response.status_code == 302 and online_dossier.status == Status.RECEIVED
    assert IssuedDocument.objects.filter(dossier=online_dossier, kind=FormKind.RECEIPT).exists()


def test_check_page_prefills_the_uploaded_documents_as_received(client, clerk, online_dossier, documents):
    client.force_login(clerk)
    page = client.get(reverse("reception:check", args=[online_dossier.pk])).content.decode()
    for doc in documents:
        box = page.split(f'name="doc{doc.pk}-received"')[1].split(">")[0]
        assert "checked" in box
    data = intake_data(documents)
    for doc in documents:  # as prefilled: ticked, no paper
        data.update({f"doc{doc.pk}-originals": "0", f"doc{doc.pk}-certified_copies": "0"})
    response = client.post(reverse("reception:check", args=[online_dossier.pk]), data)
    assert response.status_code == 302
    online_dossier.refresh_from_db()
    assert online_dossier.status == Status.RECEIVED


def test_fee_form_records_the_fee_and_shows_it(client, clerk, online_dossier):
    client.force_login(clerk)
    response = client.post(reverse("reception:fee", args=[online_dossier.pk]),
                           {"amount_vnd": "8000", "receipt_number": "BL-0042"}, follow=True)
    body = response.content.decode()
    assert "BL-0042" in body and "8.000 đ" in body


def test_fee_form_rejects_a_missing_receipt_number(client, clerk, online_dossier):
    client.force_login(clerk)
    response = client.post(reverse("reception:fee", args=[online_dossier.pk]), {"amount_vnd": "8000"})
    assert response.status_code == 400 and "Hãy nhập số biên lai." in response.content.decode()


def test_find_by_phone_lists_the_result_to_return(client, clerk, result_ready):
    client.force_login(clerk)
    page = client.get(reverse("reception:find"), {"q": result_ready.applicant_phone}).content.decode()
    assert reverse("reception:return", args=[result_ready.pk]) in page


def test_return_page_hands_over_and_shows_the_handover_note(client, clerk, result_ready):
    client.force_login(clerk)
    response = client.post(reverse("reception:return", args=[result_ready.pk]), {
        "how": "desk", "collected_by_name": "Nguyễn Văn Nhận", "collected_by_id_number": "038090001234",
        "on_behalf": "on"}, follow=True)
    result_ready.refresh_from_db()
    assert result_ready.status == Status.RETURNED and result_ready.collected_on_behalf
    assert "Giấy biên nhận trả kết quả" in response.content.decode()


def test_return_page_requires_the_postal_number_when_posting(client, clerk, result_ready):
    client.force_login(clerk)
    response = client.post(reverse("reception:return", args=[result_ready.pk]), {"how": "postal"})
    assert response.status_code == 400 and "Hãy nhập số hiệu bưu gửi." in response.content.decode()
    result_ready.refresh_from_db()
    assert result_ready.status == Status.RESULT_READY


def test_assisted_filing_through_the_pages(client, clerk, procedure, documents):
    from tests.factories import tiny_pdf

    person = citizen(cccd="038190012345", full_name="Lê Thị Hoa", address="Phường Hạc Thành")
    client.force_login(clerk)
    page = client.get(reverse("reception:assisted-start"), {"q": person.phone, "pq": "khai sinh"}).content.decode()
    url = reverse("reception:assisted", args=[procedure.pk, person.pk])
    assert url in page
    form = client.get(url).content.decode()
    assert "Lê Thị Hoa" in form
    data = {"applicant_id_number": person.cccd, "applicant_id_type": "cccd", "applicant_name": person.full_name,
            "applicant_phone": person.phone, "applicant_email": "", "applicant_address": person.address,
            "delivery": "desk", "case": documents[0].case_id}
    for doc in documents:
        data[f"doc{doc.pk}-files"] = tiny_pdf()
        data[f"doc{doc.pk}-copy_kind"] = "photocopy"
    response = client.post(url, data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert (dossier.submitted_by, dossier.filed_by, dossier.channel, dossier.status) == (
        person, clerk, "online", Status.SUBMITTED)


def test_assisted_lookup_of_an_unknown_citizen_says_what_to_do(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("reception:assisted-start"), {"q": "0999999999"})
    assert response.status_code == 400 and "Không tìm thấy tài khoản công dân" in response.content.decode()
