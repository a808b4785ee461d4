"""The workflow table, tried in full: every action from every state by every kind of person.

The expectations are read from ``TRANSITIONS`` itself (so the test cannot drift from the table) and from
an explicit map of who belongs where in the test province (so it does not trust the code under test to
say who is in scope).
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.roles import Role
from dossiers import deadlines, services, workflow
from dossiers.models import Dossier, Extension, Pause, Status, StepLog, Substep
from dossiers.signals import dossier_transitioned
from dossiers.workflow import CURRENT, FILER, OWNER, PREVIOUS, RECEIVING, TRANSITIONS, UNCHANGED

from .conftest import STATES, build_state

ACTORS = ("owner", "other_citizen", "clerk", "clerk_elsewhere", "specialist", "colleague", "specialist_elsewhere",
          "leader", "province_leader", "leader_elsewhere", "admin", "admin_elsewhere")

# Conditions the table states beside the status (workflow.GUARDS), as (action, state) pairs that fail them.
GUARDED = {
    ("approve", "processing"), ("send_back", "processing"),           # not sent for approval
    ("send_for_approval", "awaiting_approval"),                       # already sent
    ("receive", "supplement"), ("refuse", "supplement"),              # supplement asked after receipt
    ("extend", "supplement_at_reception"),                            # no appointment yet
    ("assign", "awaiting_approval"), ("transfer", "awaiting_approval"),  # the leader holds it
    ("request_financial", "awaiting_approval"),
}


def scope_of(w, name):
    """Who sees which agency in the test province, written out by hand."""
    everything = {w.province.pk, w.centre.pk, w.justice.pk, w.environment.pk}
    return {
        "owner": set(), "other_citizen": set(),
        "clerk": {w.centre.pk}, "clerk_elsewhere": {w.environment.pk},
        "specialist": {w.justice.pk}, "colleague": {w.justice.pk}, "specialist_elsewhere": {w.environment.pk},
        "leader": {w.justice.pk}, "province_leader": everything, "leader_elsewhere": {w.environment.pk},
        "admin": everything, "admin_elsewhere": {w.environment.pk},
    }[name]


def expected_allowed(w, dossier, action, name) -> bool:
    user = getattr(w, name)
    scope = scope_of(w, name)
    if user.has_role(Role.ADMIN):
        return dossier.receiving_agency_id in scope or dossier.current_agency_id in scope
    places = set()
    if dossier.submitted_by_id == user.pk:
        places.add(OWNER)
    if dossier.receiving_agency_id in scope:
        places.add(RECEIVING)
        if dossier.filed_by_id:
            places.add(FILER)
    in_current = dossier.current_agency_id in scope
    for role, where in TRANSITIONS[action].who.items():
        if not user.has_role(role):
            continue
        if where == CURRENT and in_current and (role != Role.SPECIALIST or dossier.assignee_id in (None, user.pk)):
            return True
        if where in places:
            return True
    return False


def valid_facts(w, dossier, action, name) -> dict:
    user = getattr(w, name)
    return {
        "refuse": {"reason": "Không thuộc thẩm quyền", "legal_basis": "Điều 19 Nghị định 118/2025/NĐ-CP"},
        "request_supplement": {"items": [{"document": "Tờ khai", "reason": "Thiếu chữ ký"}]},
        "assign": {"assignee": user if user.has_role(Role.SPECIALIST) else w.specialist},
        "transfer": {"to_agency": w.environment},
        "send_for_approval": {"result_summary": "Đủ điều kiện cấp phiếu"},
        "send_back": {"note": "Bổ sung ý kiến thẩm định"},
        "request_financial": {"amount_vnd": 500_000},
        "withdraw": {"reason": "Không còn nhu cầu"},
        "stop": {"reason": "Hồ sơ có dấu hiệu giả mạo"},
        "extend": {"new_due_at": (dossier.due_at or timezone.now()) + dt.timedelta(days=7), "reason": "Chờ xác minh"},
        "record_fee": {"amount_vnd": 200_000, "receipt_number": "BL-000123"},
    }.get(action, {})


class _Undo(Exception):
    pass


def attempt(dossier, action, user, facts):
    """Run one transition and roll it back; report what happened."""
    outcome = None
    try:
        with transaction.atomic():
            result = workflow.transition(dossier.pk, action=action, by=user, **facts)
            outcome = ("ok", result.status)
            raise _Undo
    except _Undo:
        return outcome
    except Conflict:
        return ("conflict", None)
    except NotAllowed:
        return ("forbidden", None)
    except DomainError as exc:
        return ("error", exc.message)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_from_every_state_by_every_role(world, action, state):
    dossier = build_state(world, state)
    rule = TRANSITIONS[action]
    status_ok = dossier.status in rule.from_statuses and (action, state) not in GUARDED
    if rule.to_status == UNCHANGED:
        target = dossier.status
    elif rule.to_status == PREVIOUS:
        target = Status.SUBMITTED if state == "supplement_at_reception" else Status.PROCESSING
    else:
        target = rule.to_status
    wrong = []
    for name in ACTORS:
        got = attempt(dossier, action, getattr(world, name), valid_facts(world, dossier, action, name))
        if not status_ok:
            expected = ("conflict", None)
        elif expected_allowed(world, dossier, action, name):
            expected = ("ok", target)
        else:
            expected = ("forbidden", None)
        if got != expected:
            wrong.append(f"{name}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_national_status():
    reachable = {rule.to_status for rule in TRANSITIONS.values()} | {
        s for rule in TRANSITIONS.values() for s in rule.from_statuses}
    assert set(Status.values) <= reachable | {UNCHANGED, PREVIOUS}
    assert set(workflow.EFFECTS) == set(TRANSITIONS)
    assert set(workflow.ACTION_LABELS) == set(TRANSITIONS)


def test_conflict_message_names_the_status_in_vietnamese(make_dossier, world):
    dossier = make_dossier("returned")
    with pytest.raises(Conflict) as exc:
        services.dossier_receive(dossier=dossier, by=world.clerk)
    assert "Đã trả kết quả" in exc.value.message
    assert "Tiếp nhận hồ sơ" in exc.value.message
    assert exc.value.http_status == 409


def test_unknown_action_is_refused(make_dossier, world):
    dossier = make_dossier("submitted")
    with pytest.raises(DomainError):
        workflow.transition(dossier.pk, action="teleport", by=world.admin)


def test_allowed_actions_lists_the_buttons(make_dossier, world):
    dossier = make_dossier("awaiting_approval")
    assert "approve" in workflow.allowed_actions(world.leader, dossier)
    assert "approve" not in workflow.allowed_actions(world.specialist, dossier)
    assert "approve" not in workflow.allowed_actions(world.leader_elsewhere, dossier)
    assert workflow.available_actions(dossier, world.owner) == ["withdraw"]


# ----- effects ---------------------------------------------------------------------------------------------------


def test_submit_assigns_code_and_confirmation_deadline(world):
    dossier = world.draft()
    services.dossier_submit(dossier=dossier, by=world.owner)
    assert dossier.status == Status.SUBMITTED
    day = timezone.localdate(dossier.submitted_at)
    assert dossier.code == f"000.00.01.H99-{day:%y%m%d}-0001"
    assert dossier.confirm_due_at == deadlines.add_working_seconds(
        dossier.submitted_at, 8 * 3600, agency=world.centre)
    log = dossier.steps.get()
    assert (log.action, log.from_status, log.to_status, log.by) == ("submit", "draft", "submitted", world.owner)


def test_submission_needs_every_required_document(world):
    dossier = services.dossier_create_draft(
        procedure=world.procedure, by=world.owner, applicant={"name": "An", "phone": "0912345678"})
    with pytest.raises(DomainError) as exc:
        services.dossier_submit(dossier=dossier, by=world.owner)
    assert "Tờ khai theo mẫu" in exc.value.message and "Giấy tờ tùy thân" in exc.value.message
    assert Dossier.objects.get(pk=dossier.pk).status == Status.DRAFT


def test_receive_freezes_version_case_and_computes_the_appointment(make_dossier, world):
    dossier = make_dossier("submitted")
    case = world.procedure.current_version.cases.get()
    services.dossier_receive(dossier=dossier, by=world.clerk, checklist=[
        {"required_document": case.documents.first(), "name": "", "originals": 1},
        {"name": "Giấy ủy quyền", "certified_copies": 1},
    ])
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.procedure_version_id == world.procedure.current_version_id
    assert dossier.case_id == case.pk and dossier.time_limit == 5 and dossier.time_unit == "working_days"
    assert dossier.received_by == world.clerk
    assert dossier.due_at == deadlines.due_at(start=dossier.received_at, limit=5, agency=world.centre)
    assert dossier.original_due_at == dossier.due_at
    # The route sends the file to Sở Tư pháp; the appraisal step has 60 % of 5 × 8 working hours.
    assert dossier.current_agency == world.justice
    assert dossier.route_step == 2
    log = dossier.steps.get(action="receive")
    assert dossier.step_due_at == deadlines.add_working_seconds(log.at, 24 * 3600, agency=world.centre)
    assert (log.from_agency, log.to_agency, log.step_due_at) == (world.centre, world.justice, dossier.step_due_at)
    assert [(c.name, c.originals, c.certified_copies) for c in dossier.checklist.all()] == [
        ("Tờ khai theo mẫu", 1, 0), ("Giấy ủy quyền", 0, 1)]


def test_committed_time_wins_over_legal_time(make_dossier, world):
    case = world.procedure.current_version.cases.get()
    case.committed_time = 3
    case.save()
    dossier = make_dossier("received")
    assert dossier.time_limit == 3
    assert dossier.due_at == deadlines.due_at(start=dossier.received_at, limit=3, agency=world.centre)


def test_a_later_catalog_edit_does_not_move_a_received_dossier(make_dossier, world):
    dossier = make_dossier("received")
    case = world.procedure.current_version.cases.get()
    case.legal_time = 20
    case.save()
    services.dossier_assign(dossier=dossier, by=world.leader, assignee=world.specialist)
    assert dossier.time_limit == 5


def test_desk_intake_gets_its_code_at_receipt(world):
    dossier = services.desk_intake(procedure=world.procedure, by=world.clerk,
                                   applicant={"name": "Phạm Thị Quầy", "phone": "0987654321"})
    assert dossier.status == Status.SUBMITTED and dossier.code is None and dossier.channel == "desk"
    assert dossier.confirm_due_at is None
    services.dossier_receive(dossier=dossier, by=world.clerk)
    assert dossier.code.startswith("000.00.01.H99-")


def test_supplement_needs_items_and_opens_a_pause(make_dossier, world):
    dossier = make_dossier("processing")
    with pytest.raises(DomainError):
        services.dossier_request_supplement(dossier=dossier, by=world.specialist, items=[])
    with pytest.raises(DomainError):
        services.dossier_request_supplement(dossier=dossier, by=world.specialist,
                                            items=[{"document": "Tờ khai", "reason": "  "}])
    items = [{"document": "Tờ khai", "reason": "Thiếu chữ ký"}, {"document": "CCCD", "reason": "Hết hạn"}]
    services.dossier_request_supplement(dossier=dossier, by=world.specialist, items=items)
    pause = Pause.objects.get(dossier=dossier)
    assert pause.ended_at is None and not pause.at_reception and pause.items == items
    assert dossier.status == Status.SUPPLEMENT
    assert (dossier.supplement_count, dossier.processing_supplement_count) == (1, 1)
    assert dossier.paused_at == pause.started_at


def test_completing_a_supplement_moves_both_due_dates_by_the_paused_working_time(make_dossier, world):
    dossier = make_dossier("supplement")
    due, original, step_due = dossier.due_at, dossier.original_due_at, dossier.step_due_at
    pause = Pause.objects.get(dossier=dossier)
    # The citizen took ten calendar days: move the request back in time rather than wait.
    started = timezone.now() - dt.timedelta(days=10)
    Pause.objects.filter(pk=pause.pk).update(started_at=started)
    services.dossier_complete_supplement(dossier=dossier, by=world.owner)
    log = dossier.steps.get(action="complete_supplement")
    paused = deadlines.working_seconds_between(started, log.at, agency=world.centre)
    assert paused > 0
    assert dossier.status == Status.PROCESSING and dossier.substep == Substep.ASSIGNED
    assert dossier.due_at == deadlines.add_working_seconds(due, paused, agency=world.centre)
    assert dossier.original_due_at == deadlines.add_working_seconds(original, paused, agency=world.centre)
    assert dossier.step_due_at == deadlines.add_working_seconds(step_due, paused, agency=world.centre)
    assert dossier.paused_at is None
    assert log.facts["paused_working_seconds"] == paused
    assert Pause.objects.get(pk=pause.pk).ended_at == log.at


def test_supplement_at_reception_returns_to_the_desk(make_dossier, world):
    dossier = make_dossier("supplement_at_reception")
    assert Pause.objects.get(dossier=dossier).at_reception
    assert dossier.processing_supplement_count == 0
    services.dossier_complete_supplement(dossier=dossier, by=world.owner)
    assert dossier.status == Status.SUBMITTED


def test_the_desk_can_receive_directly_when_the_papers_arrive(make_dossier, world):
    dossier = make_dossier("supplement_at_reception")
    services.dossier_receive(dossier=dossier, by=world.clerk)
    assert dossier.status == Status.RECEIVED
    assert Pause.objects.get(dossier=dossier).ended_at is not None


def test_a_second_supplement_during_processing_counts_as_late(make_dossier, world):
    dossier = make_dossier("supplement")
    services.dossier_complete_supplement(dossier=dossier, by=world.owner)
    services.dossier_request_supplement(dossier=dossier, by=world.specialist,
                                        items=[{"document": "Tờ khai", "reason": "Sai ngày sinh"}])
    assert dossier.processing_supplement_count == 2
    assert dossier.steps.filter(action="request_supplement").last().facts["counts_as_late"] is True


def test_refusal_needs_reason_and_legal_basis(make_dossier, world):
    dossier = make_dossier("submitted")
    with pytest.raises(DomainError):
        services.dossier_refuse(dossier=dossier, by=world.clerk, reason="Sai thẩm quyền", legal_basis="")
    services.dossier_refuse(dossier=dossier, by=world.clerk, reason="Sai thẩm quyền", legal_basis="Điều 19")
    assert dossier.status == Status.REFUSED and dossier.completed_at is not None
    assert dossier.outcome_legal_basis == "Điều 19"


def test_a_specialist_accepts_for_himself_only(make_dossier, world):
    dossier = make_dossier("received")
    with pytest.raises(NotAllowed):
        services.dossier_assign(dossier=dossier, by=world.specialist, assignee=world.colleague)
    services.dossier_assign(dossier=dossier, by=world.specialist, assignee=world.specialist)
    assert (dossier.status, dossier.substep, dossier.assignee) == (Status.PROCESSING, Substep.ASSIGNED,
                                                                   world.specialist)


def test_assignee_must_belong_to_the_agency(make_dossier, world):
    dossier = make_dossier("received")
    with pytest.raises(DomainError):
        services.dossier_assign(dossier=dossier, by=world.leader, assignee=world.specialist_elsewhere)


def test_transfer_to_another_agency_is_lien_thong(make_dossier, world):
    dossier = make_dossier("processing")
    services.dossier_transfer(dossier=dossier, by=world.specialist, to_agency=world.environment,
                              to_user=world.specialist_elsewhere, note="Xin ý kiến về đất đai")
    assert (dossier.current_agency, dossier.assignee, dossier.substep) == (
        world.environment, world.specialist_elsewhere, Substep.TRANSFERRED)
    log = dossier.steps.get(action="transfer")
    assert (log.from_agency, log.to_agency, log.to_user, log.note) == (
        world.justice, world.environment, world.specialist_elsewhere, "Xin ý kiến về đất đai")
    assert log.facts["inter_agency"] is True
    # The specialist who handed it on can no longer act on it.
    with pytest.raises(NotAllowed):
        services.dossier_send_for_approval(dossier=dossier, by=world.specialist, result_summary="x")


def test_approval_sets_the_first_finishing_moment_once(make_dossier, world):
    dossier = make_dossier("awaiting_approval")
    services.dossier_send_back(dossier=dossier, by=world.leader, note="Thiếu ý kiến")
    assert dossier.substep == Substep.ASSIGNED and dossier.assignee == world.specialist
    assert dossier.completed_at is None
    services.dossier_send_for_approval(dossier=dossier, by=world.specialist, result_summary="Đủ điều kiện")
    services.dossier_approve(dossier=dossier, by=world.leader)
    finished = dossier.completed_at
    assert dossier.status == Status.RESULT_READY and finished is not None
    services.dossier_return_result(dossier=dossier, by=world.clerk, collected_by_name="Lê Văn Thân",
                                   collected_by_id_number="038087042029", on_behalf=True)
    assert dossier.status == Status.RETURNED and dossier.completed_at == finished
    assert dossier.returned_at is not None and dossier.collected_on_behalf


def test_return_by_post_needs_the_tracking_number(world):
    dossier = world.draft()
    services.dossier_update_draft(dossier=dossier, by=world.owner, delivery="postal")
    services.dossier_submit(dossier=dossier, by=world.owner)
    for by, action, kw in [
        (world.clerk, services.dossier_receive, {}),
        (world.leader, services.dossier_assign, {"assignee": world.specialist}),
        (world.specialist, services.dossier_send_for_approval, {"result_summary": "Đạt"}),
        (world.leader, services.dossier_approve, {}),
    ]:
        action(dossier=dossier, by=by, **kw)
    with pytest.raises(DomainError):
        services.dossier_return_result(dossier=dossier, by=world.clerk)
    services.dossier_return_result(dossier=dossier, by=world.clerk, postal_tracking_number="EL123456789VN")
    assert dossier.postal_tracking_number == "EL123456789VN"


def test_withdraw_only_before_a_result(make_dossier, world):
    dossier = make_dossier("awaiting_approval")
    services.dossier_withdraw(dossier=dossier, by=world.owner, reason="Đã giải quyết ở nơi khác")
    assert dossier.status == Status.WITHDRAWN and dossier.outcome_reason == "Đã giải quyết ở nơi khác"
    ready = make_dossier("result_ready")
    with pytest.raises(Conflict):
        services.dossier_withdraw(dossier=ready, by=world.owner, reason="Muộn rồi")


def test_withdraw_while_paused_closes_the_pause(make_dossier, world):
    dossier = make_dossier("supplement")
    services.dossier_withdraw(dossier=dossier, by=world.owner, reason="Không bổ sung được")
    assert not Pause.objects.filter(dossier=dossier, ended_at__isnull=True).exists()


def test_extension_keeps_the_original_appointment(make_dossier, world):
    dossier = make_dossier("processing")
    original = dossier.original_due_at
    new_due = dossier.due_at + dt.timedelta(days=7)
    extension = services.dossier_extend(dossier=dossier, by=world.leader, new_due_at=new_due,
                                        reason="Chờ kết quả xác minh của cơ quan công an")
    assert isinstance(extension, Extension)
    assert (extension.previous_due_at, extension.new_due_at, extension.responsible_agency) == (
        original, new_due, world.justice)
    assert dossier.due_at == new_due and dossier.original_due_at == original
    assert dossier.status == Status.PROCESSING
    log = dossier.steps.get(action="extend")
    assert log.facts["extension_id"] == extension.pk and log.from_status == log.to_status == "processing"
    with pytest.raises(DomainError):
        services.dossier_extend(dossier=dossier, by=world.leader, new_due_at=original, reason="Lùi lại")


def test_stop_needs_a_reason(make_dossier, world):
    dossier = make_dossier("financial")
    with pytest.raises(DomainError):
        services.dossier_stop(dossier=dossier, by=world.leader, reason=" ")
    services.dossier_stop(dossier=dossier, by=world.leader, reason="Không thực hiện nghĩa vụ tài chính")
    assert dossier.status == Status.STOPPED and dossier.completed_at is not None


def test_fee_is_recorded_without_changing_status(make_dossier, world):
    dossier = make_dossier("result_ready")
    services.dossier_record_fee(dossier=dossier, by=world.clerk, amount_vnd=200_000, receipt_number="0001234")
    assert (dossier.status, dossier.fee_paid_vnd, dossier.fee_receipt_number) == (
        Status.RESULT_READY, 200_000, "0001234")


def test_history_records_each_transition_with_its_author(make_dossier, world):
    dossier = make_dossier("processing")
    records = list(dossier.history.order_by("history_date", "history_id"))
    assert [r.status for r in records][-3:] == ["submitted", "received", "processing"]
    assert records[-1].history_user == world.leader
    assert records[-1].history_change_reason == "assign"


def test_the_signal_goes_out_after_commit(make_dossier, world, django_capture_on_commit_callbacks):
    dossier = make_dossier("submitted")
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    dossier_transitioned.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.dossier_receive(dossier=dossier, by=world.clerk)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        dossier_transitioned.disconnect(listener)
    log = StepLog.objects.get(dossier=dossier, action="receive")
    assert received == [{"signal": dossier_transitioned, "dossier_id": dossier.pk, "action": "receive",
                         "step_log_id": log.pk}]


def test_a_failed_transition_writes_nothing(make_dossier, world):
    dossier = make_dossier("submitted")
    steps = StepLog.objects.count()
    with pytest.raises(DomainError):
        services.dossier_refuse(dossier=dossier, by=world.clerk, reason="", legal_basis="")
    assert StepLog.objects.count() == steps
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def test_factory_traits_reach_their_states(db):
    from tests.factories import DossierFactory

    assert DossierFactory().status == Status.DRAFT
    assert DossierFactory(received=True).status == Status.RECEIVED
    assert DossierFactory(processing=True).assignee is not None
    assert DossierFactory(supplement=True).status == Status.SUPPLEMENT
    assert DossierFactory(result_ready=True).status == Status.RESULT_READY
    assert DossierFactory(returned=True, walk_in=True).status == Status.RETURNED
    late = DossierFactory(processing=True, overdue=True)
    assert late.due_at < timezone.now()


# ----- concurrency (PostgreSQL: real row locks, separate connections) ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_clerks_receiving_at_once_exactly_one_wins(world):
    from tests.factories import UserFactory

    dossier = build_state(world, "submitted")
    second_clerk = UserFactory(role=Role.CLERK, agency=world.centre)
    barrier = threading.Barrier(2)
    results = {}

    def act(name, clerk):
        try:
            barrier.wait()
            services.dossier_receive(dossier=Dossier.objects.get(pk=dossier.pk), by=clerk)
            results[name] = "ok"
        except Conflict as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n, c)) for n, c in (("a", world.clerk), ("b", second_clerk))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(results.values(), key=lambda r: r != "ok")
    assert outcomes[0] == "ok"
    assert isinstance(outcomes[1], Conflict)
    assert "Được tiếp nhận" in outcomes[1].message
    assert StepLog.objects.filter(dossier=dossier, action="receive").count() == 1


def test_a_dossier_delivered_online_cannot_be_returned_without_its_electronic_result(world):
    from dossiers.models import Delivery

    dossier = build_state(world, "result_ready")
    Dossier.objects.filter(pk=dossier.pk).update(delivery=Delivery.ONLINE)
    with pytest.raises(Conflict, match="kết quả điện tử"):
        workflow.transition(dossier.pk, action="return_result", by=world.clerk)
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
