"""The dossier's life: the only place a status changes (ARCHITECTURE.md "Rules of the house").

Read the table first. Each line says which action moves a dossier from which statuses to which status,
and who may do it, where:

* OWNER      — the citizen whose account submitted the dossier;
* FILER      — desk staff of the receiving agency, on a dossier staff filed (walk-in, postal, assisted);
* RECEIVING  — staff of the agency that received it (the one-stop desk);
* CURRENT    — staff of the agency now handling it; leaders also act for the agencies below theirs, and a
  specialist only on a dossier assigned to them or to nobody.

Portal administrators (and superusers) may take every action on dossiers of their scope. Everything else
is refused: a wrong status is a ``Conflict`` (HTTP 409) naming the status, a wrong person ``NotAllowed``
(HTTP 403). Never a silent no-op.

``transition()`` applies a line: one transaction, the row locked (``select_for_update``) so two clerks
clicking at once cannot both win, the action's own effect (codes, due dates, pauses, assignee...), one
``StepLog`` row (the process-control sheet) and a history record, and — after commit — the signal
``dossier_transitioned`` to which notifications and the dashboard subscribe.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency, User
from accounts.permissions import scope_agency_ids
from accounts.roles import Role
from procedures.models import RouteStep, TimeUnit

from . import deadlines
from .codes import next_code
from .models import (
    ChecklistItem,
    Delivery,
    Dossier,
    Extension,
    ExtensionKind,
    Pause,
    Status,
    StepLog,
    Substep,
)
from .signals import dossier_transitioned

logger = logging.getLogger(__name__)


class Where(StrEnum):
    OWNER = "owner"
    FILER = "filer"
    RECEIVING = "receiving"
    CURRENT = "current"


OWNER, FILER, RECEIVING, CURRENT = Where.OWNER, Where.FILER, Where.RECEIVING, Where.CURRENT
S, R = Status, Role

# Not statuses: markers for the two lines that do not name a fixed target.
UNCHANGED = "(unchanged)"  # the action records something without moving the dossier (extend, record_fee)
PREVIOUS = "(status before the supplement request)"  # a completed supplement resumes where it stopped


class Rule(NamedTuple):
    from_statuses: frozenset[str]
    to_status: str
    who: dict[str, Where]  # role → where that role may act


def _rule(from_statuses, to_status, who) -> Rule:
    return Rule(frozenset(from_statuses), to_status, who)


BEFORE_RESULT = {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FINANCIAL}
CITIZEN = {R.CITIZEN: OWNER}                              # the applicant, online
FILED_AT_DESK = {R.CLERK: FILER}                          # a draft the desk itself entered
DESK = {R.CLERK: RECEIVING}                               # the one-stop desk that received it
PROCESSING = {R.SPECIALIST: CURRENT, R.LEADER: CURRENT}   # the agency handling it
LEADER = {R.LEADER: CURRENT}                              # that agency's leaders (sign results, stops)

TRANSITIONS: dict[str, Rule] = {
    # action:              Rule(from statuses,                          to status,      who may)
    "submit":              _rule({S.DRAFT},                              S.SUBMITTED,    CITIZEN | FILED_AT_DESK),
    "receive":             _rule({S.SUBMITTED, S.SUPPLEMENT},            S.RECEIVED,     DESK),
    "refuse":              _rule({S.SUBMITTED, S.SUPPLEMENT},            S.REFUSED,      DESK),
    "request_supplement":  _rule({S.SUBMITTED, S.RECEIVED, S.PROCESSING}, S.SUPPLEMENT,  DESK | PROCESSING),
    "complete_supplement": _rule({S.SUPPLEMENT},                         PREVIOUS,       CITIZEN | DESK | PROCESSING),
    "assign":              _rule({S.RECEIVED, S.PROCESSING},             S.PROCESSING,   PROCESSING),
    "transfer":            _rule({S.RECEIVED, S.PROCESSING},             S.PROCESSING,   PROCESSING),
    "send_for_approval":   _rule({S.PROCESSING},                         S.PROCESSING,   PROCESSING),
    "approve":             _rule({S.PROCESSING},                         S.RESULT_READY, LEADER),
    "send_back":           _rule({S.PROCESSING},                         S.PROCESSING,   LEADER),
    "request_financial":   _rule({S.PROCESSING},                         S.FINANCIAL,    PROCESSING),
    "complete_financial":  _rule({S.FINANCIAL},                          S.PROCESSING,   DESK | PROCESSING),
    "withdraw":            _rule({S.SUBMITTED, *BEFORE_RESULT},          S.WITHDRAWN,    CITIZEN | DESK),
    "stop":                _rule(BEFORE_RESULT,                          S.STOPPED,      LEADER),
    "return_result":       _rule({S.RESULT_READY},                       S.RETURNED,     DESK),
    "extend":              _rule(BEFORE_RESULT,                          UNCHANGED,      LEADER | DESK),
    "record_fee":          _rule({S.SUBMITTED, *BEFORE_RESULT, S.RESULT_READY}, UNCHANGED, DESK),
}

# Conditions beyond the status, each with the sentence shown when it fails (HTTP 409).
#   receive / refuse from "supplement": only while the desk is still deciding on the dossier (before receipt)
#   approve / send_back: only a dossier that was sent for approval
#   send_for_approval: not twice
#   extend: only a dossier that has an appointment (received with a published time limit)
def _not_awaiting_approval(d) -> bool:
    return d.substep != Substep.AWAITING_APPROVAL


_AWAITING_APPROVAL_MESSAGE = gettext_lazy("Hồ sơ đang chờ lãnh đạo phê duyệt; lãnh đạo cần trả lại trước.")

GUARDS: dict[str, tuple[tuple[Any, Any], ...]] = {
    "receive": ((lambda d: d.status != S.SUPPLEMENT or d.received_at is None,
                 gettext_lazy("Hồ sơ đang bổ sung trong quá trình xử lý; chỉ cần xác nhận đã bổ sung.")),),
    "refuse": ((lambda d: d.status != S.SUPPLEMENT or d.received_at is None,
                gettext_lazy("Hồ sơ đã được tiếp nhận nên không thể từ chối tiếp nhận; hãy dùng “Dừng xử lý”.")),),
    "approve": ((lambda d: d.substep == Substep.AWAITING_APPROVAL,
                 gettext_lazy("Hồ sơ chưa được trình lãnh đạo phê duyệt.")),),
    "send_back": ((lambda d: d.substep == Substep.AWAITING_APPROVAL,
                   gettext_lazy("Hồ sơ chưa được trình lãnh đạo phê duyệt.")),),
    "extend": ((lambda d: d.due_at is not None,
                gettext_lazy("Hồ sơ chưa có ngày hẹn trả nên không thể hẹn lại.")),),
    "send_for_approval": ((lambda d: d.substep != Substep.AWAITING_APPROVAL,
                           gettext_lazy("Hồ sơ đã được trình và đang chờ lãnh đạo phê duyệt.")),),
    # While the leader holds the dossier for approval, nobody else moves it; the leader sends it back first.
    **{action: ((_not_awaiting_approval, _AWAITING_APPROVAL_MESSAGE),)
       for action in ("assign", "transfer", "request_financial")},
    # An electronic result must exist before a dossier counts as returned online (766 indicator 4.1).
    "return_result": ((lambda d: d.delivery != Delivery.ONLINE or bool(d.result_file),
                       gettext_lazy("Hồ sơ nhận kết quả trực tuyến: hãy tải lên kết quả điện tử trước khi trả.")),),
}

ACTION_LABELS = {
    "submit": gettext_lazy("Nộp hồ sơ"),
    "receive": gettext_lazy("Tiếp nhận hồ sơ"),
    "refuse": gettext_lazy("Từ chối tiếp nhận"),
    "request_supplement": gettext_lazy("Yêu cầu bổ sung hồ sơ"),
    "complete_supplement": gettext_lazy("Bổ sung hồ sơ"),
    "assign": gettext_lazy("Phân công xử lý"),
    "transfer": gettext_lazy("Chuyển xử lý"),
    "send_for_approval": gettext_lazy("Trình phê duyệt"),
    "approve": gettext_lazy("Phê duyệt kết quả"),
    "send_back": gettext_lazy("Trả lại để xử lý lại"),
    "request_financial": gettext_lazy("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "complete_financial": gettext_lazy("Xác nhận hoàn thành nghĩa vụ tài chính"),
    "withdraw": gettext_lazy("Rút hồ sơ"),
    "stop": gettext_lazy("Dừng xử lý"),
    "return_result": gettext_lazy("Trả kết quả"),
    "extend": gettext_lazy("Gia hạn, hẹn lại ngày trả kết quả"),
    "record_fee": gettext_lazy("Thu phí, lệ phí"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


ACTIONS = tuple(TRANSITIONS)


# ----- who may --------------------------------------------------------------------------------------------


_UNSET = object()


def _in(scope: set[int] | None, agency_id: int | None) -> bool:
    return scope is None or agency_id in scope


def _is_where(where: Where, role: str, dossier: Dossier, user: User, scope: set[int] | None) -> bool:
    if where == OWNER:
        return dossier.submitted_by_id is not None and dossier.submitted_by_id == user.pk
    if where == FILER:
        return dossier.filed_by_id is not None and _in(scope, dossier.receiving_agency_id)
    if where == RECEIVING:
        return _in(scope, dossier.receiving_agency_id)
    if not _in(scope, dossier.current_agency_id):
        return False
    # A specialist works on what is theirs or on nobody's yet; leaders manage everything in their scope.
    return role != R.SPECIALIST or dossier.assignee_id in (None, user.pk)


def may_act(user: User, dossier: Dossier, action: str, *, scope=_UNSET) -> bool:
    """Whether ``user`` has a role and scope for ``action`` on ``dossier`` (the status is not checked).

    ``scope``: the user's ``scope_agency_ids`` when the caller already has it (one tree walk per page).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if scope is _UNSET:
        scope = scope_agency_ids(user) if user.is_portal_staff else set()
    if user.has_role(R.ADMIN) and (_in(scope, dossier.receiving_agency_id) or _in(scope, dossier.current_agency_id)):
        return True
    return any(
        user.has_role(role) and _is_where(where, role, dossier, user, scope)
        for role, where in TRANSITIONS[action].who.items()
    )


def status_problem(dossier: Dossier, action: str) -> str | None:
    """Why ``action`` cannot be taken in the dossier's present state, or None when it can."""
    rule = TRANSITIONS[action]
    if dossier.status not in rule.from_statuses:
        return _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.") % {
            "action": ACTION_LABELS[action], "status": dossier.get_status_display(),
        }
    for ok, message in GUARDS.get(action, ()):
        if not ok(dossier):
            return str(message)
    return None


def allowed_actions(user: User, dossier: Dossier) -> list[str]:
    """The actions ``user`` may take on ``dossier`` now — the buttons a page shows."""
    if not user.is_authenticated:
        return []
    scope = scope_agency_ids(user) if user.is_portal_staff else set()
    return [a for a in ACTIONS if status_problem(dossier, a) is None and may_act(user, dossier, a, scope=scope)]


def available_actions(dossier: Dossier, user: User) -> list[str]:
    """``allowed_actions`` with the arguments in the order the pages use."""
    return allowed_actions(user, dossier)


def check(dossier: Dossier, action: str, user: User) -> Rule:
    """Raise Conflict (wrong state) or NotAllowed (wrong person); return the rule otherwise."""
    if action not in TRANSITIONS:
        raise DomainError(_("Thao tác “%(action)s” không tồn tại.") % {"action": action}, code="unknown_action")
    problem = status_problem(dossier, action)
    if problem:
        raise Conflict(problem)
    if not may_act(user, dossier, action):
        raise NotAllowed(_("Bạn không có quyền “%(action)s” đối với hồ sơ này.") % {"action": ACTION_LABELS[action]})
    return TRANSITIONS[action]


# ----- the transition ---------------------------------------------------------------------------------------


@dataclass
class Step:
    """What one action is doing; the effect functions fill it in."""

    dossier: Dossier
    action: str
    by: User
    now: dt.datetime
    note: str
    facts: dict[str, Any]
    to_status: str
    log: dict[str, Any] = field(default_factory=dict)  # what the StepLog keeps as facts (JSON)
    to_user: User | None = None
    result: Any = None  # an object the service hands back (the Extension)


def transition(dossier_id: int, *, action: str, by: User, note: str = "", **facts) -> Dossier:
    """Apply one line of the table to the dossier: lock, check, change, log, notify after commit."""
    return run(dossier_id, action=action, by=by, note=note, **facts)[0]


def run(dossier_id: int, *, action: str, by: User, note: str = "", **facts) -> tuple[Dossier, StepLog, Any]:
    """``transition`` that also returns the StepLog row and the effect's own result (e.g. the Extension)."""
    with transaction.atomic():
        try:
            # No joins in the locking query: when the winner of a race changes current_agency, PostgreSQL
            # re-checks a waiting FOR UPDATE against the old joined rows and would return nothing at all.
            dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
        except Dossier.DoesNotExist as exc:
            raise DomainError(_("Không tìm thấy hồ sơ."), code="not_found", http_status=404) from exc
        rule = check(dossier, action, by)
        before = _snapshot(dossier)
        from_status, from_agency_id = dossier.status, dossier.current_agency_id
        step = Step(dossier=dossier, action=action, by=by, now=timezone.now(), note=(note or "").strip(),
                    facts=facts, to_status=rule.to_status)
        if rule.to_status not in (UNCHANGED, PREVIOUS):
            dossier.status = rule.to_status
        EFFECTS[action](step)
        changed = [name for name, value in _snapshot(dossier).items() if before[name] != value]
        if changed:
            dossier._history_user = by  # simple-history: who made this version
            dossier._change_reason = action
            dossier.save(update_fields=[*changed, "updated_at"])
        log = StepLog.objects.create(
            dossier=dossier,
            action=action,
            from_status=from_status,
            to_status=dossier.status,
            by=by if by.is_authenticated else None,
            to_user=step.to_user,
            from_agency_id=from_agency_id,
            to_agency_id=dossier.current_agency_id,
            at=step.now,
            step_due_at=dossier.step_due_at,
            note=step.note,
            facts=step.log,
        )
        dossier_pk, log_pk = dossier.pk, log.pk
        transaction.on_commit(lambda: _announce(dossier_pk, action, log_pk))
    return dossier, log, step.result


def _announce(dossier_id: int, action: str, step_log_id: int) -> None:
    # Robust: the transition is committed; a failing subscriber (mail server down) must not turn the
    # clerk's successful action into an error page. Subscribers log and retry on their own.
    for receiver, response in dossier_transitioned.send_robust(
        sender=Dossier, dossier_id=dossier_id, action=action, step_log_id=step_log_id
    ):
        if isinstance(response, Exception):
            logger.error("dossier_transitioned receiver %r failed for dossier %s", receiver, dossier_id,
                         exc_info=response)


def _snapshot(dossier: Dossier) -> dict[str, Any]:
    return {f.attname: getattr(dossier, f.attname) for f in Dossier._meta.concrete_fields
            if f.attname not in ("id", "updated_at")}


# ----- helpers the effects share --------------------------------------------------------------------------


def _required_text(step: Step, key: str, message: str) -> str:
    value = str(step.facts.get(key) or "").strip()
    if not value:
        raise DomainError(message, code="required")
    return value


def _calendar_agency(dossier: Dossier) -> Agency:
    # Due dates are counted in the receiving agency's working time: that is where the appointment is given.
    return dossier.receiving_agency


def _limit_seconds(dossier: Dossier) -> int | None:
    """The whole processing time in working seconds, the base of each route step's share."""
    limit = dossier.time_limit
    if limit is None:
        return None
    if dossier.time_unit == TimeUnit.WORKING_HOURS and limit > 0:
        return int(limit * 3600)
    if dossier.time_unit == TimeUnit.WORKING_DAYS and limit > 0:
        return int(limit * deadlines.WORKING_DAY_SECONDS)
    # Same-day services and calendar days: the working time the appointment actually leaves.
    if dossier.received_at and dossier.original_due_at:
        return deadlines.working_seconds_between(dossier.received_at, dossier.original_due_at,
                                                 agency=_calendar_agency(dossier))
    return None


def _route_step(dossier: Dossier, role: str, agency_id: int | None, *, back: bool = False) -> RouteStep | None:
    """The route step a hand-over starts: the next step of that role (``back``: the latest one behind),
    preferably at that agency. None when the case has no such step."""
    if not dossier.case_id:
        return None
    steps = [s for s in RouteStep.objects.filter(case_id=dossier.case_id).order_by("order") if s.role == role]
    current = dossier.route_step or 0
    at_agency = [s for s in steps if (s.agency_id or dossier.receiving_agency_id) == agency_id]
    for pool in (at_agency, steps):
        candidates = [s for s in pool if s.order <= current][::-1] if back else [s for s in pool if s.order >= current]
        if candidates:
            return candidates[0]
    return None


def _start_route_step(step: Step, role: str, agency_id: int | None, *, back: bool = False) -> None:
    """Record which route step starts now and its own deadline (its share of the processing time)."""
    dossier = step.dossier
    route = _route_step(dossier, role, agency_id, back=back)
    total = _limit_seconds(dossier)
    if route is None or total is None:
        dossier.step_due_at = dossier.due_at  # no route: a step may at most use what is left
        return
    dossier.route_step = route.order
    seconds = int(Decimal(total) * route.share_percent / 100)
    dossier.step_due_at = deadlines.add_working_seconds(step.now, seconds, agency=_calendar_agency(dossier))
    step.log["route_step"] = {"order": route.order, "name": route.name, "share_percent": str(route.share_percent)}


def _staff_role(user: User) -> str:
    return R.SPECIALIST if user.has_role(R.SPECIALIST) else R.LEADER


def _check_handler(user, agency: Agency) -> User:
    """A person a dossier is handed to must be active processing staff of the agency it goes to."""
    if not isinstance(user, User) or not user.is_active:
        raise DomainError(_("Người nhận hồ sơ không hợp lệ."), code="invalid_assignee")
    if user.agency_id != agency.pk or not user.has_role(R.SPECIALIST, R.LEADER):
        raise DomainError(
            _("%(user)s không phải chuyên viên hoặc lãnh đạo của %(agency)s.") % {"user": user, "agency": agency},
            code="invalid_assignee",
        )
    return user


def _close_open_pause(step: Step, *, shift_deadlines: bool) -> Pause | None:
    dossier = step.dossier
    pause = Pause.objects.select_for_update().filter(dossier=dossier, ended_at__isnull=True).first()
    if pause is None:
        return None
    pause.ended_at = step.now
    pause.save(update_fields=["ended_at"])
    dossier.paused_at = None
    paused = deadlines.working_seconds_between(pause.started_at, step.now, agency=_calendar_agency(dossier))
    step.log["paused_working_seconds"] = paused
    if shift_deadlines and paused:
        # The citizen's time does not count (DOMAIN.md "Time rules"); not the agency's delay either, so the
        # original appointment the statistics judge against moves too.
        agency = _calendar_agency(dossier)
        for name in ("due_at", "original_due_at", "step_due_at"):
            value = getattr(dossier, name)
            if value is not None:
                setattr(dossier, name, deadlines.add_working_seconds(value, paused, agency=agency))
    return pause


def _finish(step: Step) -> None:
    # "Finished" for the statistics is the first of result ready, returned, stopped, refused or withdrawn.
    dossier = step.dossier
    if dossier.completed_at is None:
        dossier.completed_at = step.now
    dossier.assignee = None
    dossier.substep = Substep.NONE
    dossier.step_due_at = None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# ----- the effects, one per action ----------------------------------------------------------------------------


def _submit(step: Step) -> None:
    dossier = step.dossier
    dossier.submitted_at = step.now
    if dossier.channel == "online":
        # Online drafts get their code when submitted (DOMAIN.md "Codes"); desk and postal dossiers at receipt.
        if not dossier.code:
            dossier.code = next_code(dossier.receiving_agency, step.now)
        dossier.confirm_due_at = deadlines.add_working_seconds(
            step.now, settings.ONLINE_CONFIRM_WORKING_HOURS * 3600, agency=_calendar_agency(dossier))
    step.log["code"] = dossier.code


def _receive(step: Step) -> None:
    dossier, facts = step.dossier, step.facts
    case = facts.get("case") or dossier.case
    if case is None:
        version = dossier.procedure.current_version
        cases = list(version.cases.all()) if version else []
        if len(cases) != 1:
            raise DomainError(_("Hãy chọn trường hợp của thủ tục trước khi tiếp nhận."), code="case_required")
        case = cases[0]
    if case.version.procedure_id != dossier.procedure_id:
        raise DomainError(_("Trường hợp đã chọn không thuộc thủ tục của hồ sơ."), code="invalid_case")
    _close_open_pause(step, shift_deadlines=False)  # before receipt no clock runs yet
    agency = _calendar_agency(dossier)
    dossier.case = case
    dossier.procedure_version_id = case.version_id  # frozen: later catalog edits do not move this dossier
    dossier.time_limit = case.time_limit
    dossier.time_unit = case.time_unit
    dossier.received_at = step.now
    dossier.received_by = step.by
    if case.time_limit is not None:
        dossier.due_at = deadlines.due_at(start=step.now, limit=case.time_limit, unit=case.time_unit, agency=agency)
        dossier.original_due_at = dossier.due_at
    if not dossier.code:
        dossier.code = next_code(dossier.receiving_agency, step.now)
    if facts.get("delivery"):
        dossier.delivery = facts["delivery"]
    if dossier.fee_due_vnd is None:
        dossier.fee_due_vnd = case.fee_vnd if case.fee_vnd is not None else dossier.procedure.fee_vnd
    dossier.is_digitised = dossier.attachments.exists()
    checklist = facts.get("checklist")
    if checklist is not None:
        _store_checklist(dossier, checklist)

    # Where the file goes next: the agency the caller names, else the first processing step of the route,
    # else it stays with the receiving agency (a commune handles what it receives).
    to_agency = facts.get("to_agency")
    if to_agency is None:
        first = next((s for s in RouteStep.objects.filter(case=case).order_by("order")
                      if s.role in (R.SPECIALIST, R.LEADER)), None)
        to_agency_id = (first.agency_id if first else None) or dossier.receiving_agency_id
    else:
        to_agency_id = to_agency.pk
    dossier.current_agency_id = to_agency_id
    dossier.substep = Substep.NONE
    dossier.assignee = None
    _start_route_step(step, R.SPECIALIST, to_agency_id)
    step.log.update(code=dossier.code, due_at=_iso(dossier.due_at), time_limit=str(dossier.time_limit),
                    time_unit=dossier.time_unit, case_id=case.pk, procedure_version_id=case.version_id)


def _store_checklist(dossier: Dossier, checklist: list[dict]) -> None:
    rows = []
    for item in checklist:
        document = item.get("required_document")
        name = str(item.get("name") or (document.name if document is not None else "")).strip()
        if not name:
            raise DomainError(_("Mỗi giấy tờ trong danh mục cần có tên."), code="invalid_checklist")
        counts = {}
        for key in ("originals", "certified_copies", "photocopies"):
            try:
                counts[key] = int(item.get(key) or 0)
            except (TypeError, ValueError):
                counts[key] = -1
            if counts[key] < 0 or counts[key] > 1000:
                raise DomainError(_("Số bản của “%(name)s” không hợp lệ.") % {"name": name}, code="invalid_checklist")
        rows.append(ChecklistItem(dossier=dossier, required_document=document, name=name[:500], **counts))
    ChecklistItem.objects.filter(dossier=dossier).delete()
    ChecklistItem.objects.bulk_create(rows)


def _request_supplement(step: Step) -> None:
    dossier = step.dossier
    items = []
    for item in step.facts.get("items") or []:
        document = str((item or {}).get("document") or "").strip()
        reason = str((item or {}).get("reason") or "").strip()
        if not document or not reason:
            raise DomainError(_("Mỗi yêu cầu bổ sung cần nêu giấy tờ và lý do."), code="invalid_supplement")
        items.append({"document": document[:500], "reason": reason[:2000]})
    if not items:
        raise DomainError(_("Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do — tất cả trong một lần."),
                          code="invalid_supplement")
    at_reception = dossier.received_at is None
    Pause.objects.create(dossier=dossier, started_at=step.now, at_reception=at_reception, items=items,
                         requested_by=step.by)
    dossier.paused_at = step.now
    dossier.supplement_count += 1
    if not at_reception:
        dossier.processing_supplement_count += 1
    step.log.update(items=items, at_reception=at_reception)
    # A second request while processing counts the dossier as late (Decision 766, indicator 2.1).
    step.log["counts_as_late"] = dossier.processing_supplement_count > 1


def _complete_supplement(step: Step) -> None:
    dossier = step.dossier
    pause = _close_open_pause(step, shift_deadlines=True)
    if pause is not None and pause.at_reception:
        dossier.status = S.SUBMITTED
    else:
        requested = (StepLog.objects.filter(dossier=dossier, action="request_supplement")
                     .order_by("-at", "-id").values_list("from_status", flat=True).first())
        dossier.status = requested if requested in (S.SUBMITTED, S.RECEIVED, S.PROCESSING) else (
            S.PROCESSING if dossier.assignee_id else S.RECEIVED)
    step.log["due_at"] = _iso(dossier.due_at)


def _refuse(step: Step) -> None:
    dossier = step.dossier
    dossier.outcome_reason = _required_text(step, "reason", _("Hãy nêu rõ lý do từ chối tiếp nhận."))
    dossier.outcome_legal_basis = _required_text(
        step, "legal_basis", _("Hãy nêu căn cứ pháp lý của việc từ chối."))[:500]
    _close_open_pause(step, shift_deadlines=False)
    _finish(step)
    step.log.update(reason=dossier.outcome_reason, legal_basis=dossier.outcome_legal_basis)


def _assign(step: Step) -> None:
    dossier, by = step.dossier, step.by
    assignee = step.facts.get("assignee")
    if assignee is None:
        raise DomainError(_("Hãy chọn người xử lý."), code="invalid_assignee")
    _check_handler(assignee, dossier.current_agency)
    if not (by.is_superuser or by.has_role(R.LEADER, R.ADMIN)) and assignee.pk != by.pk:
        raise NotAllowed(_("Chuyên viên chỉ có thể nhận hồ sơ cho chính mình; hãy dùng “Chuyển xử lý”."))
    dossier.assignee = assignee
    dossier.substep = Substep.ASSIGNED
    step.to_user = assignee
    _start_route_step(step, _staff_role(assignee), dossier.current_agency_id)
    step.log["assignee_id"] = assignee.pk


def _transfer(step: Step) -> None:
    dossier = step.dossier
    to_agency = step.facts.get("to_agency") or dossier.current_agency
    to_user = step.facts.get("to_user")
    if not isinstance(to_agency, Agency) or not to_agency.is_active:
        raise DomainError(_("Cơ quan nhận hồ sơ không hợp lệ."), code="invalid_agency")
    if to_user is not None:
        _check_handler(to_user, to_agency)
    inter_agency = to_agency.pk != dossier.current_agency_id
    if not inter_agency and to_user is None:
        raise DomainError(_("Hãy chọn người nhận hoặc một cơ quan khác."), code="invalid_assignee")
    if not inter_agency and to_user.pk == dossier.assignee_id:
        raise DomainError(_("Hồ sơ đang do chính người này xử lý."), code="invalid_assignee")
    dossier.current_agency = to_agency
    dossier.assignee = to_user
    # Liên thông: the file leaves for another agency; a hand-over inside one agency is a new assignment.
    dossier.substep = Substep.TRANSFERRED if inter_agency else Substep.ASSIGNED
    step.to_user = to_user
    _start_route_step(step, _staff_role(to_user) if to_user else R.SPECIALIST, to_agency.pk)
    step.log.update(inter_agency=inter_agency, to_agency_code=to_agency.code)


def _send_for_approval(step: Step) -> None:
    dossier = step.dossier
    dossier.result_summary = _required_text(
        step, "result_summary", _("Hãy tóm tắt kết quả xử lý trước khi trình."))[:500]
    to_user = step.facts.get("to_user")
    if to_user is not None:
        _check_handler(to_user, dossier.current_agency)
        if not to_user.has_role(R.LEADER):
            raise DomainError(_("Chỉ trình được cho lãnh đạo."), code="invalid_assignee")
    if dossier.assignee_id is None and step.by.has_role(R.SPECIALIST):
        dossier.assignee = step.by  # whoever drafted the result gets it back if the leader sends it back
    dossier.substep = Substep.AWAITING_APPROVAL
    step.to_user = to_user
    _start_route_step(step, R.LEADER, dossier.current_agency_id)
    step.log["result_summary"] = dossier.result_summary


def _approve(step: Step) -> None:
    _finish(step)
    # What is left is handing the result over; the route may give the desk its own share for that.
    if _route_step(step.dossier, R.CLERK, step.dossier.receiving_agency_id) is not None:
        _start_route_step(step, R.CLERK, step.dossier.receiving_agency_id)


def _send_back(step: Step) -> None:
    dossier = step.dossier
    if not step.note:
        raise DomainError(_("Hãy ghi rõ lý do trả lại."), code="required")
    dossier.substep = Substep.ASSIGNED if dossier.assignee_id else Substep.NONE
    step.to_user = dossier.assignee
    _start_route_step(step, R.SPECIALIST, dossier.current_agency_id, back=True)


def _request_financial(step: Step) -> None:
    try:
        amount = int(step.facts.get("amount_vnd"))
    except (TypeError, ValueError):
        amount = 0
    if amount <= 0:
        raise DomainError(_("Hãy nhập số tiền nghĩa vụ tài chính (đồng)."), code="invalid_amount")
    step.log["amount_vnd"] = amount


def _complete_financial(step: Step) -> None:
    pass  # the status change is the whole effect; the receipt, if any, is in the note


def _withdraw(step: Step) -> None:
    dossier = step.dossier
    dossier.outcome_reason = _required_text(step, "reason", _("Hãy nêu lý do rút hồ sơ."))
    _close_open_pause(step, shift_deadlines=False)
    _finish(step)
    step.log["reason"] = dossier.outcome_reason


def _stop(step: Step) -> None:
    dossier = step.dossier
    dossier.outcome_reason = _required_text(step, "reason", _("Hãy nêu lý do dừng xử lý."))
    dossier.outcome_legal_basis = str(step.facts.get("legal_basis") or "").strip()[:500]
    _close_open_pause(step, shift_deadlines=False)
    _finish(step)
    step.log.update(reason=dossier.outcome_reason, legal_basis=dossier.outcome_legal_basis)


def _return_result(step: Step) -> None:
    dossier, facts = step.dossier, step.facts
    name = str(facts.get("collected_by_name") or "").strip()
    id_number = str(facts.get("collected_by_id_number") or "").strip()
    on_behalf = bool(facts.get("on_behalf"))
    tracking = str(facts.get("postal_tracking_number") or "").strip()
    if dossier.delivery == "postal":
        if not tracking:
            raise DomainError(_("Hãy nhập số hiệu bưu gửi của kết quả."), code="required")
    elif dossier.delivery == "desk":
        if on_behalf and (not name or not id_number):
            raise DomainError(_("Người nhận thay cần ghi rõ họ tên và số giấy tờ tùy thân."), code="required")
        name = name or dossier.applicant_name
    dossier.collected_by_name = name[:150]
    dossier.collected_by_id_number = id_number[:20]
    dossier.collected_on_behalf = on_behalf
    dossier.postal_tracking_number = tracking[:60]
    dossier.returned_at = step.now
    dossier.step_due_at = None
    dossier.assignee = None
    step.log.update(delivery=dossier.delivery, on_behalf=on_behalf, postal_tracking_number=tracking)


def _extend(step: Step) -> None:
    dossier = step.dossier
    reason = _required_text(step, "reason", _("Hãy nêu lý do gia hạn hoặc hẹn lại."))
    new_due = step.facts.get("new_due_at")
    if isinstance(new_due, dt.date) and not isinstance(new_due, dt.datetime):
        # A date alone means that day's closing time: the desk hands results over until then.
        new_due = deadlines.calendar_for(_calendar_agency(dossier)).closing_time(new_due)
    if not isinstance(new_due, dt.datetime):
        raise DomainError(_("Hãy chọn ngày hẹn trả mới."), code="required")
    if timezone.is_naive(new_due):
        new_due = timezone.make_aware(new_due)
    if new_due <= dossier.due_at or new_due <= step.now:
        raise DomainError(_("Ngày hẹn trả mới phải sau ngày hẹn hiện tại (%(due)s) và sau thời điểm hiện tại.")
                          % {"due": deadlines.format_vn(dossier.due_at)}, code="invalid_due")
    kind = step.facts.get("kind") or ExtensionKind.APOLOGY
    if kind not in ExtensionKind.values:
        raise DomainError(_("Loại gia hạn không hợp lệ."), code="invalid_kind")
    step.result = Extension.objects.create(
        dossier=dossier, kind=kind, previous_due_at=dossier.due_at, new_due_at=new_due, reason=reason,
        responsible_agency_id=dossier.current_agency_id, created_by=step.by,
    )
    # original_due_at is deliberately untouched: statistics judge against the first appointment.
    dossier.due_at = new_due
    step.log.update(kind=kind, previous_due_at=_iso(step.result.previous_due_at), new_due_at=_iso(new_due),
                    reason=reason, extension_id=step.result.pk)


def _record_fee(step: Step) -> None:
    dossier = step.dossier
    try:
        amount = int(step.facts.get("amount_vnd"))
    except (TypeError, ValueError):
        amount = -1
    if amount < 0:
        raise DomainError(_("Số tiền phí, lệ phí không hợp lệ."), code="invalid_amount")
    receipt = _required_text(step, "receipt_number", _("Hãy nhập số biên lai."))
    dossier.fee_paid_vnd = amount
    dossier.fee_receipt_number = receipt[:60]
    dossier.fee_paid_at = step.now
    step.log.update(amount_vnd=amount, receipt_number=receipt)


EFFECTS = {
    "submit": _submit,
    "receive": _receive,
    "refuse": _refuse,
    "request_supplement": _request_supplement,
    "complete_supplement": _complete_supplement,
    "assign": _assign,
    "transfer": _transfer,
    "send_for_approval": _send_for_approval,
    "approve": _approve,
    "send_back": _send_back,
    "request_financial": _request_financial,
    "complete_financial": _complete_financial,
    "withdraw": _withdraw,
    "stop": _stop,
    "return_result": _return_result,
    "extend": _extend,
    "record_fee": _record_fee,
}
assert set(EFFECTS) == set(TRANSITIONS), "every line of the table needs its effect"
