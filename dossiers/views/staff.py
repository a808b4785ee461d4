"""Staff pages: the inbox of a specialist or leader, and the dossier page with the actions allowed now."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from accounts.roles import Role
from procedures.models import Procedure

from .. import delays, selectors, services
from ..forms import (
    ApproveForm,
    AssignForm,
    DelayForm,
    EmptyForm,
    FinancialForm,
    InboxFilterForm,
    SendBackForm,
    SendForApprovalForm,
    StopForm,
    SupplementFormSet,
    TransferForm,
)
from ..models import Status, Substep
from ._common import action_label, format_working_time, role_required, status_badge, urgency, weekday
from .workflow_ui import available_actions

STAFF_ROLES = (Role.SPECIALIST, Role.LEADER, Role.CLERK, Role.ADMIN)
INBOX_PAGE_SIZE = 50
DESK_ACTIONS = {"receive", "refuse", "record_fee", "return_result", "complete_supplement"}


@role_required(*STAFF_ROLES)
def inbox(request):
    procedures = Procedure.objects.filter(is_active=True).only("id", "code", "name").order_by("code")
    form = InboxFilterForm(request.GET or None, procedures=procedures)
    # An invalid filter is reported and left out; the valid ones still apply (cleaned_data holds only those).
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    filters: dict[str, Any] = {"procedure": data.get("procedure"), "status": data.get("status") or None,
                               "q": (data.get("q") or "").strip()}
    if data.get("status") == InboxFilterForm.AWAITING_APPROVAL:
        filters.update(status=Status.PROCESSING, substep=Substep.AWAITING_APPROVAL)
    if data.get("due") == "overdue":
        filters["due_within_hours"] = 0  # due within 0 working hours from now = already late
    elif data.get("due"):
        filters["due_within_hours"] = int(data["due"])
    page = Paginator(selectors.inbox_for(request.user, **filters), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for d in page.object_list:
        left = selectors.time_left(d, now)
        css, label = urgency(d, now)
        rows.append({"dossier": d, "left": left, "left_text": format_working_time(left), "urgency": css,
                     "urgency_label": label, "badge": status_badge(d.status)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dossiers/staff/inbox.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "is_leader": request.user.has_role(Role.LEADER),
    }, status=400 if form.is_bound and form.errors else 200)


# --- the dossier page and its actions --------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    label: Any
    button: Any
    form: Any  # form class; built by make_form
    run: Any  # (dossier, user, form) -> the service call
    danger: bool = False


def _run_supplement(d, by, f):
    return services.dossier_request_supplement(dossier=d, by=by, items=f.items())


ACTIONS: dict[str, ActionSpec] = {
    "assign": ActionSpec(
        gettext_lazy("Phân công / nhận xử lý"), gettext_lazy("Giao xử lý"), AssignForm,
        lambda d, by, f: services.dossier_assign(dossier=d, by=by, assignee=f.cleaned_data["assignee"])),
    "transfer": ActionSpec(
        gettext_lazy("Chuyển xử lý (liên thông hoặc người khác)"), gettext_lazy("Chuyển"), TransferForm,
        lambda d, by, f: services.dossier_transfer(dossier=d, by=by, to_agency=f.cleaned_data["to_agency"],
                                                   to_user=f.cleaned_data["to_user"], note=f.cleaned_data["note"])),
    "send_for_approval": ActionSpec(
        gettext_lazy("Trình lãnh đạo phê duyệt"), gettext_lazy("Trình phê duyệt"), SendForApprovalForm,
        lambda d, by, f: services.dossier_send_for_approval(dossier=d, by=by,
                                                            result_summary=f.cleaned_data["result_summary"],
                                                            note=f.cleaned_data["note"])),
    "approve": ActionSpec(
        gettext_lazy("Phê duyệt kết quả"), gettext_lazy("Phê duyệt"), ApproveForm,
        lambda d, by, f: services.dossier_approve(dossier=d, by=by, note=f.cleaned_data["note"])),
    "send_back": ActionSpec(
        gettext_lazy("Trả lại chuyên viên"), gettext_lazy("Trả lại"), SendBackForm,
        lambda d, by, f: services.dossier_send_back(dossier=d, by=by, note=f.cleaned_data["note"])),
    "request_supplement": ActionSpec(
        gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"), gettext_lazy("Gửi yêu cầu bổ sung"), SupplementFormSet,
        _run_supplement),
    "request_financial": ActionSpec(
        gettext_lazy("Yêu cầu thực hiện nghĩa vụ tài chính"), gettext_lazy("Gửi yêu cầu"), FinancialForm,
        lambda d, by, f: services.dossier_request_financial(dossier=d, by=by, amount_vnd=f.cleaned_data["amount_vnd"],
                                                            note=f.cleaned_data["note"])),
    "complete_financial": ActionSpec(
        gettext_lazy("Xác nhận đã thực hiện nghĩa vụ tài chính"), gettext_lazy("Xác nhận"), EmptyForm,
        lambda d, by, f: services.dossier_complete_financial(dossier=d, by=by)),
    "extend": ActionSpec(
        gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)"), gettext_lazy("Phát hành văn bản xin lỗi"),
        DelayForm,
        lambda d, by, f: delays.dossier_issue_delay_notice(
            dossier=d, by=by, reason=f.cleaned_data["reason"],
            extra_working_days=f.cleaned_data["extra_working_days"])),
    "stop": ActionSpec(
        gettext_lazy("Dừng xử lý hồ sơ"), gettext_lazy("Dừng xử lý"), StopForm,
        lambda d, by, f: services.dossier_stop(dossier=d, by=by, reason=f.cleaned_data["reason"],
                                               legal_basis=f.cleaned_data["legal_basis"]),
        danger=True),
}


def make_form(action: str, dossier, user, data=None):
    spec = ACTIONS[action]
    prefix = action
    if spec.form is SupplementFormSet:
        return SupplementFormSet(data, prefix=prefix)
    if spec.form in (AssignForm, TransferForm):
        return spec.form(data, prefix=prefix, dossier=dossier, user=user)
    return spec.form(data, prefix=prefix)


def _render_detail(request, dossier, *, bound: tuple[str, Any] | None = None, status: int = 200):
    user = request.user
    allowed = available_actions(dossier, user)
    # "Accept" is the specialist assigning himself: one button, no list to pick from — and no button at all
    # on a dossier that is already his.
    self_assign_only = not user.has_role(Role.LEADER, Role.ADMIN)
    if self_assign_only and dossier.assignee_id == user.pk:
        allowed.discard("assign")
    action_forms = []
    for action in ACTIONS:
        if action in allowed or (bound and bound[0] == action):
            form = bound[1] if bound and bound[0] == action else make_form(action, dossier, user)
            action_forms.append({"action": action, "spec": ACTIONS[action], "form": form,
                                 "bound": bool(bound and bound[0] == action)})
    now = timezone.now()
    left = selectors.time_left(dossier, now)
    css, label = urgency(dossier, now)
    steps = [
        {"step": s, "label": action_label(s.action)}
        for s in dossier.steps.select_related("by", "to_user", "from_agency", "to_agency").order_by("at", "id")
    ]
    return render(request, "dossiers/staff/detail.html", {
        "dossier": dossier,
        "badge": status_badge(dossier.status),
        "left_text": format_working_time(left), "urgency": css, "urgency_label": label,
        "due_weekday": weekday(dossier.due_at),
        "attachments": dossier.attachments.select_related("required_document").order_by("id"),
        "checklist": dossier.checklist.all(),
        "steps": steps,
        "documents": dossier.documents.order_by("issued_at", "id"),
        "pauses": dossier.pauses.all(),
        "extensions": dossier.extensions.select_related("created_by"),
        "action_forms": action_forms, "self_assign_only": self_assign_only,
        "bound_action": bound[0] if bound else "",
        # Receipt, refusal, fees and hand-over have their own screens at the desk (reception app).
        "desk_actions": sorted(allowed & DESK_ACTIONS),
        "awaiting_approval": dossier.substep == "awaiting_approval",
        "is_finished": dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED),
    }, status=status)


@role_required(*STAFF_ROLES)
def detail(request, pk):
    dossier = selectors.dossier_for_staff(request.user, pk)
    return _render_detail(request, dossier)


@role_required(*STAFF_ROLES)
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    dossier = selectors.dossier_for_staff(request.user, pk)
    form = make_form(action, dossier, request.user, request.POST)
    status = 400
    if form.is_valid():
        try:
            ACTIONS[action].run(dossier, request.user, form)
        except DomainError as exc:
            # Formsets have no add_error: their whole-form errors live in non_form_errors.
            if isinstance(form, SupplementFormSet):
                form._non_form_errors = form.error_class([exc.message])
            else:
                form.add_error(None, exc.message)
            status = exc.http_status
        else:
            messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": ACTIONS[action].label})
            return redirect("dossiers:detail", pk=dossier.pk)
    # Show the page as it is now (another user may have moved the dossier meanwhile).
    dossier = selectors.dossier_for_staff(request.user, pk)
    return _render_detail(request, dossier, bound=(action, form), status=status)
