"""The desk's services: one outcome per dossier, every problem named at once, nothing half-written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.roles import Role
from dossiers.models import ChecklistItem, Dossier, FormKind, IssuedDocument, Pause, Status, StepLog
from dossiers.selectors import dossiers_of_citizen
from reception import services
from reception.services import ChecklistEntry, Decision, Outcome, Upload
from tests.factories import UserFactory, citizen, tiny_pdf

from .conftest import complete_checklist


def pdf_text(issued: IssuedDocument) -> str:
    with issued.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def nothing_written():
    return not Dossier.objects.exists() and not IssuedDocument.objects.exists() and not StepLog.objects.exists()


def intake(clerk, procedure, applicant, decision, **kw):
    return services.desk_intake_decide(by=clerk, procedure=procedure, applicant=applicant, decision=decision, **kw)


# --- receive ------------------------------------------------------------------------------------------------

def test_walk_in_received_gets_a_code_an_appointment_and_the_receipt(clerk, procedure, documents, applicant):
    decision = Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents),
                        uploads=[Upload(file=tiny_pdf("to-khai.pdf"), required_document=documents[0])])
    result = intake(clerk, procedure, applicant, decision)
    dossier = result.dossier
    assert dossier.status == Status.RECEIVED and dossier.channel == "desk"
    assert dossier.code.startswith(clerk.agency.code) and dossier.due_at and dossier.received_by == clerk
    assert dossier.receiving_agency == clerk.agency and dossier.filed_by == clerk and dossier.submitted_by is None
    assert list(dossier.checklist.values_list("name", "originals", "certified_copies")) == [
        ("Tờ khai theo mẫu", 1, 0), ("Giấy tờ tùy thân", 0, 1)]
    assert dossier.attachments.get().original_name == "to-khai.pdf" and dossier.is_digitised
    assert result.document.kind == FormKind.RECEIPT and result.document.dossier == dossier
    text = pdf_text(result.document)
    assert dossier.code in text and "Lê Thị Hoa" in text and "Tờ khai theo mẫu" in text
    assert list(dossier.steps.values_list("action", flat=True)) == ["submit", "receive"]


def test_postal_intake_is_recorded_as_postal(clerk, procedure, documents, applicant):
    result = intake(clerk, procedure, applicant, Decision(outcome=Outcome.RECEIVE,
                                                          checklist=complete_checklist(documents)),
                    channel="postal", delivery="postal")
    assert result.dossier.channel == "postal" and result.dossier.delivery == "postal"


def test_receiving_with_a_required_document_missing_is_refused_and_nothing_is_written(
        clerk, procedure, documents, applicant):
    checklist = complete_checklist(documents)
    checklist[1] = ChecklistEntry(name=documents[1].name, required_document=documents[1], received=False)
    with pytest.raises(DomainError) as exc:
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.RECEIVE, checklist=checklist))
    assert "Giấy tờ tùy thân" in exc.value.message and "yêu cầu bổ sung" in exc.value.message
    assert nothing_written()


def test_receiving_while_a_problem_is_noted_is_a_contradiction(clerk, procedure, documents, applicant):
    checklist = complete_checklist(documents)
    checklist[0] = ChecklistEntry(name=documents[0].name, required_document=documents[0], received=True,
                                  originals=1, problem="Chưa ký tên")
    with pytest.raises(DomainError, match="Yêu cầu bổ sung"):
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.RECEIVE, checklist=checklist))
    assert nothing_written()


def test_a_ticked_document_needs_a_count(clerk, procedure, documents, applicant):
    checklist = complete_checklist(documents)
    checklist[0] = ChecklistEntry(name=documents[0].name, required_document=documents[0], received=True)
    with pytest.raises(DomainError, match="số bản"):
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.RECEIVE, checklist=checklist))
    assert nothing_written()


def test_no_outcome_chosen_is_an_error(clerk, procedure, documents, applicant):
    with pytest.raises(DomainError, match="một trong ba"):
        intake(clerk, procedure, applicant, Decision(outcome="", checklist=complete_checklist(documents)))
    assert nothing_written()


def test_a_bad_file_rolls_the_whole_intake_back(clerk, procedure, documents, applicant):
    fake = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    decision = Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents),
                        uploads=[Upload(file=fake, required_document=documents[0])])
    with pytest.raises(DomainError):
        intake(clerk, procedure, applicant, decision)
    assert nothing_written()


def test_an_invalid_applicant_is_refused_before_anything_is_written(clerk, procedure, documents, applicant):
    with pytest.raises(DomainError):
        intake(clerk, procedure, {**applicant, "phone": "12345"},
               Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents)))
    assert nothing_written()


# --- supplement -----------------------------------------------------------------------------------------------

def test_supplement_lists_every_problem_at_once_and_issues_form_02(clerk, procedure, documents, applicant):
    checklist = [
        ChecklistEntry(name=documents[0].name, required_document=documents[0], received=True, originals=1,
                       problem="Thiếu chữ ký của người yêu cầu"),
        ChecklistEntry(name=documents[1].name, required_document=documents[1], received=False,
                       problem="Chưa nộp bản sao CCCD"),
    ]
    extra = [{"document": "Giấy chứng sinh", "reason": "Cần bản chính do cơ sở y tế cấp"}, {"document": "",
                                                                                           "reason": ""}]
    result = intake(clerk, procedure, applicant, Decision(outcome=Outcome.SUPPLEMENT, checklist=checklist,
                                                          extra_items=extra))
    dossier = result.dossier
    assert dossier.status == Status.SUPPLEMENT and dossier.received_at is None
    assert Pause.objects.get(dossier=dossier).items == [
        {"document": "Tờ khai theo mẫu", "reason": "Thiếu chữ ký của người yêu cầu"},
        {"document": "Giấy tờ tùy thân", "reason": "Chưa nộp bản sao CCCD"},
        {"document": "Giấy chứng sinh", "reason": "Cần bản chính do cơ sở y tế cấp"},
    ]
    assert result.document.kind == FormKind.SUPPLEMENT
    text = pdf_text(result.document)
    for phrase in ("Thiếu chữ ký của người yêu cầu", "Chưa nộp bản sao CCCD", "Giấy chứng sinh", "Lê Thị Hoa"):
        assert phrase in text
    # What did come over the counter is kept: the next visit starts from it.
    assert list(ChecklistItem.objects.filter(dossier=dossier).values_list("name", flat=True)) == ["Tờ khai theo mẫu"]


def test_supplement_without_any_reason_is_a_clear_error_and_nothing_is_written(
        clerk, procedure, documents, applicant):
    with pytest.raises(DomainError) as exc:
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.SUPPLEMENT,
                                                     checklist=complete_checklist(documents)))
    assert "ít nhất một giấy tờ" in exc.value.message
    assert nothing_written()


def test_supplement_must_give_a_reason_for_every_missing_document(clerk, procedure, documents, applicant):
    checklist = [
        ChecklistEntry(name=documents[0].name, required_document=documents[0], received=False, problem="Sai mẫu"),
        ChecklistEntry(name=documents[1].name, required_document=documents[1], received=False),
    ]
    with pytest.raises(DomainError) as exc:
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.SUPPLEMENT, checklist=checklist))
    assert "Giấy tờ tùy thân" in exc.value.message and "Tờ khai" not in exc.value.message
    assert nothing_written()


def test_a_supplement_line_needs_both_document_and_reason(clerk, procedure, documents, applicant):
    with pytest.raises(DomainError, match="cả tên giấy tờ và lý do"):
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.SUPPLEMENT,
                                                     checklist=complete_checklist(documents),
                                                     extra_items=[{"document": "Giấy chứng sinh", "reason": ""}]))
    assert nothing_written()


# --- refuse -----------------------------------------------------------------------------------------------------

def test_refusal_records_reason_and_legal_basis_and_issues_form_03(clerk, procedure, applicant):
    result = intake(clerk, procedure, applicant, Decision(
        outcome=Outcome.REFUSE, reason="Không thuộc thẩm quyền của UBND xã",
        legal_basis="khoản 2 Điều 16 Nghị định 118/2025/NĐ-CP"))
    dossier = result.dossier
    assert dossier.status == Status.REFUSED and dossier.completed_at
    assert dossier.outcome_reason == "Không thuộc thẩm quyền của UBND xã"
    assert result.document.kind == FormKind.REFUSAL
    assert "Không thuộc thẩm quyền của UBND xã" in pdf_text(result.document)


@pytest.mark.parametrize("reason, legal_basis, message", [
    ("", "Điều 16 Nghị định 118/2025/NĐ-CP", "lý do từ chối"),
    ("Không thuộc thẩm quyền", "  ", "căn cứ pháp lý"),
    ("", "", "lý do từ chối"),
])
def test_refusal_without_reason_or_legal_basis_is_a_clear_error(clerk, procedure, applicant, reason, legal_basis,
                                                                 message):
    with pytest.raises(DomainError, match=message):
        intake(clerk, procedure, applicant, Decision(outcome=Outcome.REFUSE, reason=reason, legal_basis=legal_basis))
    assert nothing_written()


# --- who may ------------------------------------------------------------------------------------------------------

def test_only_a_clerk_with_an_agency_may_take_in_dossiers(agency, procedure, documents, applicant):
    decision = Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents))
    for user in (citizen(), UserFactory(role=Role.SPECIALIST, agency=agency), UserFactory(role=Role.CLERK)):
        with pytest.raises(NotAllowed):
            intake(user, procedure, applicant, decision)
    assert nothing_written()


# --- online dossiers ------------------------------------------------------------------------------------------------

def test_the_desk_receives_an_online_dossier(clerk, online_dossier, documents):
    result = services.desk_check(dossier=online_dossier, by=clerk,
                                 decision=Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents)))
    assert result.dossier.status == Status.RECEIVED and result.dossier.channel == "online"
    assert result.document.kind == FormKind.RECEIPT
    assert result.dossier.checklist.count() == 2


def test_an_online_dossier_with_files_only_needs_no_paper_counts(clerk, online_dossier, documents):
    ticks = [ChecklistEntry(name=d.name, required_document=d, received=True) for d in documents]
    result = services.desk_check(dossier=online_dossier, by=clerk,
                                 decision=Decision(outcome=Outcome.RECEIVE, checklist=ticks))
    # Each uploaded file counts as one copy of its kind on the receipt, as the forms count them.
    assert list(result.dossier.checklist.values_list("name", "originals", "certified_copies", "photocopies")) == [
        ("Tờ khai theo mẫu", 0, 0, 1), ("Giấy tờ tùy thân", 0, 0, 1)]


def test_a_walk_in_tick_without_paper_or_scan_still_needs_a_count(clerk, procedure, documents, applicant):
    ticks = [ChecklistEntry(name=d.name, required_document=d, received=True) for d in documents]
    ticks_with_one_scan = Decision(outcome=Outcome.RECEIVE, checklist=ticks,
                                   uploads=[Upload(file=tiny_pdf(), required_document=documents[0])])
    with pytest.raises(DomainError) as exc:
        intake(clerk, procedure, applicant, ticks_with_one_scan)
    assert "Giấy tờ tùy thân" in exc.value.message and "Tờ khai" not in exc.value.message
    assert nothing_written()


def test_a_clerk_of_another_agency_cannot_touch_the_dossier(foreign_clerk, online_dossier, documents):
    for outcome in Outcome.ALL:
        decision = Decision(outcome=outcome, checklist=complete_checklist(documents), reason="x", legal_basis="y",
                            extra_items=[{"document": "A", "reason": "B"}])
        with pytest.raises(NotAllowed):
            services.desk_check(dossier=online_dossier, by=foreign_clerk, decision=decision)
    online_dossier.refresh_from_db()
    assert online_dossier.status == Status.SUBMITTED and not IssuedDocument.objects.exists()


def test_a_dossier_already_received_cannot_be_decided_again(clerk, online_dossier, documents):
    decision = Decision(outcome=Outcome.RECEIVE, checklist=complete_checklist(documents))
    services.desk_check(dossier=online_dossier, by=clerk, decision=decision)
    with pytest.raises(Conflict):
        services.desk_check(dossier=online_dossier, by=clerk, decision=decision)
    assert IssuedDocument.objects.count() == 1


def test_a_walk_in_back_with_its_supplement_is_received_on_the_second_visit(clerk, procedure, documents, applicant):
    first = intake(clerk, procedure, applicant, Decision(
        outcome=Outcome.SUPPLEMENT, checklist=[
            ChecklistEntry(name=documents[0].name, required_document=documents[0], received=True, originals=1),
            ChecklistEntry(name=documents[1].name, required_document=documents[1], received=False,
                           problem="Chưa có bản sao CCCD")]))
    second = services.desk_check(dossier=first.dossier, by=clerk, decision=Decision(
        outcome=Outcome.RECEIVE, checklist=complete_checklist(documents)))
    dossier = second.dossier
    assert dossier.status == Status.RECEIVED and dossier.code
    assert list(dossier.steps.values_list("action", flat=True)) == [
        "submit", "request_supplement", "complete_supplement", "receive"]
    assert not dossier.pauses.filter(ended_at__isnull=True).exists()
    assert dossier.checklist.count() == 2


# --- fee, return, assisted digital -------------------------------------------------------------------------------

def test_fee_paid_at_the_desk_is_recorded_on_the_dossier(clerk, online_dossier):
    dossier = services.desk_record_fee(dossier=online_dossier, by=clerk, amount_vnd=8000, receipt_number="BL-0042")
    assert (dossier.fee_paid_vnd, dossier.fee_receipt_number) == (8000, "BL-0042") and dossier.fee_paid_at
    assert dossier.steps.filter(action="record_fee").exists()


def test_fee_needs_a_receipt_number_and_a_valid_amount(clerk, online_dossier):
    with pytest.raises(DomainError):
        services.desk_record_fee(dossier=online_dossier, by=clerk, amount_vnd=8000, receipt_number=" ")
    with pytest.raises(DomainError):
        services.desk_record_fee(dossier=online_dossier, by=clerk, amount_vnd=-1, receipt_number="BL-1")
    online_dossier.refresh_from_db()
    assert online_dossier.fee_paid_vnd is None


def test_returning_at_the_desk_records_who_collected_it_and_issues_the_handover_note(clerk, result_ready):
    result = services.desk_return_result(dossier=result_ready, by=clerk, collected_by_name="Nguyễn Văn Nhận",
                                         collected_by_id_number="038090001234", on_behalf=True)
    dossier = result.dossier
    assert dossier.status == Status.RETURNED and dossier.returned_at
    assert (dossier.collected_by_name, dossier.collected_by_id_number, dossier.collected_on_behalf) == (
        "Nguyễn Văn Nhận", "038090001234", True)
    assert result.document.kind == FormKind.HANDOVER and "Nguyễn Văn Nhận" in pdf_text(result.document)
    step = dossier.steps.get(action="return_result")
    assert step.by == clerk and step.facts["on_behalf"] is True
    assert dossier.history.filter(status=Status.RETURNED).exists()


def test_returning_by_post_records_the_tracking_number(clerk, result_ready):
    result = services.desk_return_result(dossier=result_ready, by=clerk, postal_tracking_number="EB123456789VN")
    assert result.dossier.postal_tracking_number == "EB123456789VN" and result.dossier.status == Status.RETURNED


@pytest.mark.parametrize("kwargs", [
    {},
    {"collected_by_name": "Nguyễn Văn Nhận"},
    {"collected_by_name": "Nguyễn Văn Nhận", "collected_by_id_number": "038090001234",
     "postal_tracking_number": "EB1"},
])
def test_a_return_without_a_collector_or_with_both_ways_is_refused(clerk, result_ready, kwargs):
    with pytest.raises(DomainError):
        services.desk_return_result(dossier=result_ready, by=clerk, **kwargs)
    result_ready.refresh_from_db()
    assert result_ready.status == Status.RESULT_READY
    assert not IssuedDocument.objects.filter(kind=FormKind.HANDOVER).exists()


def test_a_clerk_of_another_agency_cannot_return_the_result(foreign_clerk, result_ready):
    with pytest.raises(NotAllowed):
        services.desk_return_result(dossier=result_ready, by=foreign_clerk, postal_tracking_number="EB1")


def test_assisted_filing_lands_in_the_citizens_dossiers_and_the_desk_queue(clerk, procedure, documents, applicant):
    person = citizen(cccd="038190012345", full_name="Lê Thị Hoa")
    dossier = services.assisted_file(
        by=clerk, citizen=person, procedure=procedure, applicant=applicant,
        uploads=[Upload(file=tiny_pdf(), required_document=d) for d in documents])
    assert dossier.status == Status.SUBMITTED and dossier.channel == "online" and dossier.code
    assert dossier.submitted_by == person and dossier.filed_by == clerk and dossier.confirm_due_at
    assert list(dossiers_of_citizen(person)) == [dossier]


def test_assisted_filing_needs_every_required_file(clerk, procedure, documents, applicant):
    with pytest.raises(DomainError, match="còn thiếu"):
        services.assisted_file(by=clerk, citizen=citizen(), procedure=procedure, applicant=applicant,
                               uploads=[Upload(file=tiny_pdf(), required_document=documents[0])])
    assert nothing_written()


def test_assisted_filing_is_only_for_citizen_accounts(clerk, agency, procedure, applicant):
    with pytest.raises(DomainError):
        services.assisted_file(by=clerk, citizen=UserFactory(role=Role.SPECIALIST, agency=agency),
                               procedure=procedure, applicant=applicant)
