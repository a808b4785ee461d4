"""Drafts, attachments and the read side: who sees what, in which order."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.roles import Role
from dossiers import deadlines, selectors, services, tracking
from dossiers.models import Dossier, Pause, Status
from procedures.models import OnlineLevel
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory, make_overdue, tiny_pdf

from .conftest import build_state

# ----- drafts -----------------------------------------------------------------------------------------------------


def test_a_citizen_creates_a_draft_at_the_procedures_agency(world):
    dossier = services.dossier_create_draft(
        procedure=world.procedure, by=world.owner,
        applicant={"name": "  Lê Văn An ", "phone": "+84 912 345 678", "id_number": "038087042028"})
    assert dossier.status == Status.DRAFT and dossier.code is None
    assert (dossier.receiving_agency, dossier.current_agency) == (world.centre, world.centre)
    assert (dossier.applicant_name, dossier.applicant_phone) == ("Lê Văn An", "0912345678")
    assert dossier.case == world.procedure.current_version.cases.get()
    assert dossier.submitted_by == world.owner and dossier.channel == "online"
    assert not dossier.steps.exists()  # a draft is not yet part of the process-control sheet


@pytest.mark.parametrize("applicant, code", [
    ({"phone": "12345"}, "invalid_phone"),
    ({"email": "not-an-email"}, "invalid_email"),
    ({"id_type": "bogus"}, "invalid_id_type"),
    ({"nickname": "x"}, "invalid"),
])
def test_draft_fields_are_checked(world, applicant, code):
    with pytest.raises(DomainError) as exc:
        services.dossier_create_draft(procedure=world.procedure, by=world.owner, applicant=applicant)
    assert exc.value.code == code


def test_staff_cannot_create_a_citizens_draft_for_themselves(world):
    with pytest.raises(NotAllowed):
        services.dossier_create_draft(procedure=world.procedure, by=world.specialist, applicant={})


def test_a_procedure_without_online_service_refuses_online_drafts(world):
    world.procedure.online_level = OnlineLevel.NONE
    world.procedure.save()
    with pytest.raises(DomainError) as exc:
        services.dossier_create_draft(procedure=world.procedure, by=world.owner, applicant={})
    assert exc.value.code == "not_online"


def test_several_agencies_require_a_choice(world):
    world.procedure.agencies.add(world.justice)
    with pytest.raises(DomainError) as exc:
        services.dossier_create_draft(procedure=world.procedure, by=world.owner, applicant={})
    assert exc.value.code == "agency_required"
    dossier = services.dossier_create_draft(procedure=world.procedure, by=world.owner, applicant={},
                                            agency=world.justice)
    assert dossier.receiving_agency == world.justice
    with pytest.raises(DomainError):
        services.dossier_create_draft(procedure=world.procedure, by=world.owner, applicant={},
                                      agency=world.environment)


def test_a_clerk_files_for_a_citizen_at_their_own_desk(world):
    dossier = services.dossier_create_draft(procedure=world.procedure, by=world.clerk, on_behalf_of=world.owner,
                                            applicant={"name": "Lê Văn An", "phone": "0912345678"})
    assert (dossier.submitted_by, dossier.filed_by, dossier.receiving_agency) == (world.owner, world.clerk,
                                                                                  world.centre)
    for document in dossier.case.documents.all():
        services.attachment_add(dossier=dossier, by=world.clerk, upload=tiny_pdf(), required_document=document)
    services.dossier_submit(dossier=dossier, by=world.clerk)
    assert dossier.status == Status.SUBMITTED and dossier.code


def test_only_a_draft_is_edited_and_only_by_its_owner(world):
    dossier = world.draft()
    services.dossier_update_draft(dossier=dossier, by=world.owner, name="Lê Văn Bình", address="Xã Quảng Phú")
    assert (dossier.applicant_name, dossier.applicant_address) == ("Lê Văn Bình", "Xã Quảng Phú")
    with pytest.raises(NotAllowed):
        services.dossier_update_draft(dossier=dossier, by=world.other_citizen, name="X")
    with pytest.raises(DomainError):
        services.dossier_update_draft(dossier=dossier, by=world.owner, status="returned")
    services.dossier_submit(dossier=dossier, by=world.owner)
    with pytest.raises(Conflict):
        services.dossier_update_draft(dossier=dossier, by=world.owner, name="Muộn")


def test_an_invalid_identity_number_blocks_submission(world):
    dossier = world.draft(id_number="12345")
    with pytest.raises(DomainError) as exc:
        services.dossier_submit(dossier=dossier, by=world.owner)
    assert exc.value.code == "invalid_id_number"


def test_attachments_after_submission_only_when_supplement_is_asked(world):
    dossier = build_state(world, "submitted")
    with pytest.raises(Conflict):
        services.attachment_add(dossier=dossier, by=world.owner, upload=tiny_pdf())
    services.dossier_request_supplement(dossier=dossier, by=world.clerk,
                                        items=[{"document": "Giấy tờ tùy thân", "reason": "Bản chụp bị mờ"}])
    added = services.attachment_add(dossier=dossier, by=world.owner, upload=tiny_pdf("cccd-ro.pdf"))
    assert added.original_name == "cccd-ro.pdf"
    # Submitted files are evidence; one's own later addition can be taken back.
    first = dossier.attachments.order_by("pk").first()
    with pytest.raises(Conflict):
        services.attachment_remove(attachment=first, by=world.owner)
    services.attachment_remove(attachment=added, by=world.owner)
    assert not dossier.attachments.filter(pk=added.pk).exists()


def test_staff_scanning_marks_the_dossier_digitised(world):
    dossier = services.desk_intake(procedure=world.procedure, by=world.clerk, applicant={"name": "Phạm Thị Quầy"})
    services.attachment_add(dossier=dossier, by=world.clerk, upload=tiny_pdf("scan.pdf"))
    assert Dossier.objects.get(pk=dossier.pk).is_digitised


def test_desk_intake_is_for_clerks_only(world):
    with pytest.raises(NotAllowed):
        services.desk_intake(procedure=world.procedure, by=world.owner, applicant={"name": "X"})
    with pytest.raises(DomainError):
        services.desk_intake(procedure=world.procedure, by=world.clerk, applicant={"name": ""})


# ----- selectors ----------------------------------------------------------------------------------------------------


def test_inbox_of_each_role(world):
    submitted = build_state(world, "submitted")
    received = build_state(world, "received")        # at Sở Tư pháp, nobody's yet
    mine = build_state(world, "processing")          # assigned to world.specialist
    ready = build_state(world, "result_ready")
    theirs = build_state(world, "received")
    services.dossier_assign(dossier=theirs, by=world.leader, assignee=world.colleague)

    def ids(user, **kw):
        return set(selectors.inbox_for(user, **kw).values_list("pk", flat=True))

    assert ids(world.specialist) == {received.pk, mine.pk}
    assert ids(world.colleague) == {received.pk, theirs.pk}
    assert ids(world.leader) == {received.pk, mine.pk, theirs.pk}
    assert ids(world.province_leader) == {received.pk, mine.pk, theirs.pk}
    assert ids(world.clerk) == {submitted.pk, ready.pk}
    assert ids(world.specialist_elsewhere) == set()
    assert ids(world.admin) == {submitted.pk, received.pk, mine.pk, ready.pk, theirs.pk}
    assert ids(world.leader, status=Status.PROCESSING) == {mine.pk, theirs.pk}
    assert ids(world.leader, q=mine.code) == {mine.pk}
    assert ids(world.leader, q=mine.code[-4:]) >= {mine.pk}
    assert ids(world.leader, procedure=world.procedure.code) == {received.pk, mine.pk, theirs.pk}
    with pytest.raises(PermissionDenied):
        selectors.inbox_for(world.owner)


def test_inbox_puts_the_most_urgent_first_and_filters_the_due_window(world):
    later = build_state(world, "received")
    late = make_overdue(build_state(world, "received"), days_ago=20)
    soon = build_state(world, "received")
    soon_due = timezone.now() + dt.timedelta(hours=3)
    Dossier.objects.filter(pk=soon.pk).update(due_at=soon_due)
    order = list(selectors.inbox_for(world.leader).values_list("pk", flat=True))
    assert order == [late.pk, soon.pk, later.pk]
    within = set(selectors.inbox_for(world.leader, due_within_hours=16).values_list("pk", flat=True))
    assert late.pk in within and later.pk not in within


def test_dossiers_of_citizen_are_theirs_only(world):
    mine = world.draft()
    build_state(world, "submitted")
    other = services.dossier_create_draft(procedure=world.procedure, by=world.other_citizen, applicant={})
    ids = list(selectors.dossiers_of_citizen(world.owner).values_list("pk", flat=True))
    assert mine.pk in ids and other.pk not in ids and len(ids) == 2


def test_dossier_for_staff_checks_scope(world):
    dossier = build_state(world, "processing")
    assert selectors.dossier_for_staff(world.specialist, dossier.pk) == dossier
    assert selectors.dossier_for_staff(world.clerk, dossier.pk) == dossier  # the receiving desk
    with pytest.raises(PermissionDenied):
        selectors.dossier_for_staff(world.specialist_elsewhere, dossier.pk)
    with pytest.raises(Http404):
        selectors.dossier_for_staff(world.specialist, 10**9)
    with pytest.raises(Http404):
        selectors.dossier_for_staff(world.clerk, world.draft().pk)  # a citizen's unsent draft
    with pytest.raises(PermissionDenied):
        selectors.dossier_for_staff(world.owner, dossier.pk)


def test_an_agency_that_handed_a_dossier_on_still_reads_it(world):
    dossier = build_state(world, "processing")
    services.dossier_transfer(dossier=dossier, by=world.specialist, to_agency=world.environment)
    other_department = UserFactory(role=Role.SPECIALIST, agency=AgencyFactory())
    assert selectors.dossier_for_staff(world.specialist, dossier.pk) == dossier
    with pytest.raises(PermissionDenied):
        selectors.dossier_for_staff(other_department, dossier.pk)


@pytest.mark.parametrize("phone, found", [
    ("0912345678", True),
    ("+84 912 345 678", True),
    ("5678", True),
    ("0912345679", False),
    ("1234", False),
    ("", False),
    ("abcd", False),
])
def test_tracking_lookup_by_full_phone_or_last_four_digits(world, phone, found):
    dossier = build_state(world, "received")
    card = tracking.by_code(dossier.code.lower(), phone, client="test")
    assert (card is not None) is found
    if found:
        assert card.code == dossier.code
        assert [s.action for s in card.steps] == ["submit", "receive"]
        assert tracking.dossier_for(dossier.code, phone, client="test") == dossier


def test_tracking_lookup_ignores_drafts_and_unknown_codes(world):
    dossier = build_state(world, "received")
    assert tracking.by_code(dossier.code + "9", "0912345678", client="test") is None
    assert tracking.dossier_for(dossier.code + "9", "0912345678", client="test") is None
    assert tracking.by_token(dossier.tracking_token, client="test").code == dossier.code
    assert tracking.by_token(world.draft().tracking_token, client="test") is None


def test_time_left_is_negative_when_late_and_frozen_while_paused(world):
    dossier = build_state(world, "processing")
    now = timezone.now()
    assert selectors.time_left(dossier, now) == deadlines.working_seconds_between(
        now, dossier.due_at, agency=world.centre)
    late = make_overdue(build_state(world, "processing"))
    assert selectors.time_left(late) < 0
    assert selectors.urgency(late) == "late"
    services.dossier_request_supplement(dossier=dossier, by=world.specialist,
                                        items=[{"document": "Tờ khai", "reason": "Thiếu chữ ký"}])
    pause = Pause.objects.get(dossier=dossier)
    frozen = deadlines.working_seconds_between(pause.started_at, dossier.due_at, agency=world.centre)
    assert selectors.time_left(dossier, now + dt.timedelta(days=30)) == frozen
    assert selectors.urgency(dossier) == "paused"


def test_working_days_left_counts_from_tomorrow(world):
    dossier = build_state(world, "received")
    friday = dt.datetime(2023, 10, 27, 9, 32, tzinfo=deadlines.VN_TZ)
    dossier.due_at = dt.datetime(2023, 11, 3, 9, 32, tzinfo=deadlines.VN_TZ)
    assert selectors.working_days_left(dossier, friday) == 5
    assert selectors.working_days_left(dossier, dossier.due_at) == 0
    assert selectors.working_days_left(dossier, dt.datetime(2023, 11, 7, 9, 0, tzinfo=deadlines.VN_TZ)) == -2


def test_procedures_of_other_provinces_are_not_mixed_up(world):
    other = ProcedureFactory()
    with pytest.raises(DomainError):
        services.dossier_create_draft(procedure=other, by=world.owner, applicant={},
                                      case=world.procedure.current_version.cases.get())
