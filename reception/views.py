"""The clerk's desk pages. Views parse input, call reception.services, render; the rules live in the services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import DomainError
from accounts.models import User
from accounts.roles import Role
from dossiers.models import Dossier, IssuedDocument, Status
from procedures.models import Procedure, ProcedureCase, RequiredDocument

from . import selectors, services
from .access import clerk_required
from .forms import (
    APPLICANT_FIELDS,
    OUTCOME_ACCESSKEYS,
    ApplicantDeskForm,
    CheckForm,
    CitizenLookupForm,
    ExtraItemFormSet,
    FeeForm,
    IntakeForm,
    ReturnForm,
    checklist_forms,
)
from .queue_views import queue_panel_context


@require_GET
@clerk_required
def desk(request):
    agency = request.user.agency
    return render(request, "reception/desk.html", {
        "agency": agency,
        "waiting_online": selectors.online_waiting(request.user, agency=agency, limit=50),
        "to_return": selectors.results_to_return(request.user),
        **queue_panel_context(request),
    })


# --- intake -------------------------------------------------------------------------------------------------

@require_GET
@clerk_required
def intake_start(request):
    """Pick the procedure: the catalog's search, answered as you type (htmx) and without JavaScript."""
    q = request.GET.get("q", "")
    context = {"q": q, "results": selectors.search_procedures_for_desk(request.user, q) if q.strip() else [],
               "target": "reception:intake", "citizen": None}
    if request.htmx:
        return render(request, "reception/_procedure_results.html", context)
    return render(request, "reception/intake_start.html", context)


def _procedure(pk: int) -> Procedure:
    return get_object_or_404(Procedure.objects.select_related("field", "current_version"), pk=pk, is_active=True,
                             current_version__isnull=False)


def _case(procedure: Procedure, raw: str | None) -> tuple[ProcedureCase | None, list[ProcedureCase]]:
    cases = list(procedure.current_version.cases.all())
    if raw and raw.isdigit():
        chosen = next((c for c in cases if c.pk == int(raw)), None)
        if chosen is None:
            raise Http404
        return chosen, cases
    return (cases[0] if len(cases) == 1 else None), cases


def _documents(case: ProcedureCase | None) -> list[RequiredDocument]:
    return list(RequiredDocument.objects.filter(case=case).order_by("order", "id")) if case else []


def _decision(form, rows, extras, *, delivery: str) -> services.Decision:
    data = form.cleaned_data
    return services.Decision(
        outcome=data["outcome"],
        checklist=[r.entry() for r in rows],
        extra_items=[f.cleaned_data for f in extras.forms if f.cleaned_data],
        reason=data.get("refuse_reason") or "",
        legal_basis=data.get("refuse_legal_basis") or "",
        delivery=delivery,
        uploads=[u for r in rows for u in r.uploads()],
    )


def _error_status(*forms_) -> int:
    return 400 if any(f.errors for f in forms_) else 200


@require_http_methods(["GET", "POST"])
@clerk_required
def intake(request, pk: int):
    """Walk-in or postal intake: applicant, checklist, scans, delivery, then exactly one outcome."""
    procedure = _procedure(pk)
    case, cases = _case(procedure, request.POST.get("case") or request.GET.get("case"))
    if case is None:
        return render(request, "reception/choose_case.html", {"procedure": procedure, "cases": cases})
    documents = _documents(case)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = IntakeForm(data, procedure=procedure)
    rows = checklist_forms(documents, data, files)
    extras = ExtraItemFormSet(data, prefix="extra")
    if request.method == "POST" and form.is_valid() and all(r.is_valid() for r in rows) and extras.is_valid():
        decision = _decision(form, rows, extras, delivery=form.cleaned_data["delivery"])
        try:
            result = services.desk_intake_decide(
                by=request.user, procedure=procedure, applicant=form.applicant(), decision=decision,
                channel=form.cleaned_data["channel"], case=case, delivery=form.cleaned_data["delivery"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _decided(request, result)
    return render(request, "reception/intake.html", {
        "procedure": procedure, "case": case, "cases": cases, "form": form, "rows": rows, "extras": extras,
        "applicant_fields": [form[name] for name in APPLICANT_FIELDS], "accesskeys": OUTCOME_ACCESSKEYS,
        "files_lost": request.method == "POST" and bool(request.FILES),
        "rows_invalid": any(r.errors for r in rows),
    }, status=_error_status(form, extras, *rows))


def _decided(request, result: services.DeskResult):
    text = {
        services.Outcome.RECEIVE: _("Đã tiếp nhận hồ sơ %(code)s. Hãy in giấy tiếp nhận và hẹn trả kết quả."),
        services.Outcome.SUPPLEMENT: _("Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ. Hãy in và giao cho người nộp."),
        services.Outcome.REFUSE: _("Đã từ chối tiếp nhận hồ sơ. Hãy in phiếu từ chối và giao cho người nộp."),
        "return": _("Đã trả kết quả hồ sơ %(code)s. Hãy in giấy biên nhận trả kết quả."),
    }[result.outcome]
    messages.success(request, text % {"code": result.dossier.code or ""})
    return redirect("reception:dossier", pk=result.dossier.pk)


@require_POST
@clerk_required
def applicant_lookup(request):
    """htmx: the ID number typed → the other applicant fields that are still empty, filled from the latest
    dossier at this agency (or the citizen's account). POST, so the ID number stays out of URLs and logs."""
    raw = request.POST.get("procedure") or ""
    procedure = _procedure(int(raw) if raw.isdigit() else 0)
    found = selectors.latest_applicant(request.user, request.POST.get("applicant_id_number", ""))
    fills = {}
    if found:
        current = {name: (request.POST.get(name) or "").strip() for name in APPLICANT_FIELDS}
        for key, value in found.items():
            name = f"applicant_{key}"
            if value and name != "applicant_id_number" and (not current.get(name) or name == "applicant_id_type"):
                fills[name] = value
    form = IntakeForm(initial={**{k: request.POST.get(k, "") for k in APPLICANT_FIELDS}, **fills},
                      procedure=procedure)
    return render(request, "reception/_applicant_lookup.html", {
        "found": found, "fields": [form[name] for name in fills],
    })


# --- online dossiers and dossiers back with their supplement -------------------------------------------------

def _own_dossier(request, pk: int, *related) -> Dossier:
    dossier = get_object_or_404(Dossier.objects.select_related("procedure", "case", *related), pk=pk)
    if dossier.receiving_agency_id != request.user.agency_id:
        raise PermissionDenied(_("Hồ sơ này không thuộc Bộ phận Một cửa của cơ quan bạn."))
    return dossier


@require_http_methods(["GET", "POST"])
@clerk_required
def check(request, pk: int):
    """The desk's check of an online dossier (or one back with its supplement): same checklist, same outcomes."""
    dossier = _own_dossier(request, pk)
    if not services.decidable(dossier):
        messages.info(request, _("Hồ sơ đang ở trạng thái “%(s)s”, không còn chờ Bộ phận Một cửa kiểm tra.")
                      % {"s": dossier.get_status_display()})
        return redirect("reception:dossier", pk=dossier.pk)
    procedure = dossier.procedure
    case = dossier.case or _case(procedure, None)[0]
    documents = _documents(case)
    attachments = list(dossier.attachments.order_by("id"))
    attached = {a.required_document_id for a in attachments}
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = CheckForm(data, procedure=procedure, initial={"delivery": dossier.delivery})
    rows = checklist_forms(documents, data, files)
    # What is already known: paper ticked at an earlier visit (a walk-in back with its supplement), files
    # uploaded online. The clerk confirms or corrects.
    stored = {c.required_document_id: c for c in dossier.checklist.all()}
    for row in rows:
        row.attachments = [a for a in attachments if a.required_document_id == row.document.pk]
        if row.is_bound:
            continue
        if row.document.pk in stored:
            item = stored[row.document.pk]
            row.initial.update(received=True, originals=item.originals, certified_copies=item.certified_copies,
                               photocopies=item.photocopies)
        elif row.document.pk in attached:
            row.initial.update(received=True, originals=0, certified_copies=0, photocopies=0)
    extras = ExtraItemFormSet(data, prefix="extra")
    if request.method == "POST" and form.is_valid() and all(r.is_valid() for r in rows) and extras.is_valid():
        decision = _decision(form, rows, extras, delivery=form.cleaned_data["delivery"])
        try:
            result = services.desk_check(dossier=dossier, by=request.user, decision=decision)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _decided(request, result)
    return render(request, "reception/check.html", {
        "dossier": dossier, "procedure": procedure, "case": case, "form": form, "rows": rows, "extras": extras,
        "other_attachments": [a for a in attachments if a.required_document_id not in {d.pk for d in documents}],
        "accesskeys": OUTCOME_ACCESSKEYS, "pause": dossier.pauses.filter(ended_at__isnull=True).first(),
        "rows_invalid": any(r.errors for r in rows), "files_lost": request.method == "POST" and bool(request.FILES),
        "waiting": selectors.WaitingDossier(
            dossier, selectors.confirm_seconds_left(dossier, request.user.agency, timezone.now())
        ) if dossier.status == Status.SUBMITTED and dossier.confirm_due_at else None,
    }, status=_error_status(form, extras, *rows))


# --- the dossier as the desk sees it: the forms to print, the fee, what comes next ----------------------------

@require_GET
@clerk_required
def dossier(request, pk: int):
    d = _own_dossier(request, pk, "received_by")
    return render(request, "reception/dossier.html", _dossier_context(d, fee_form=FeeForm()))


def _dossier_context(d: Dossier, *, fee_form: FeeForm) -> dict:
    documents = list(IssuedDocument.objects.filter(dossier=d).select_related("issued_by").order_by("-issued_at", "-id"))
    return {
        "dossier": d, "documents": documents, "latest": documents[0] if documents else None,
        "fee_form": fee_form, "fee_open": d.status in (Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING,
                                                        Status.FINANCIAL, Status.RESULT_READY),
        "decidable": services.decidable(d), "returnable": d.status == Status.RESULT_READY,
        "checklist": list(d.checklist.all()),
        "pause": d.pauses.order_by("-started_at").first() if d.status == Status.SUPPLEMENT else None,
    }


@require_POST
@clerk_required
def record_fee(request, pk: int):
    d = _own_dossier(request, pk, "received_by")
    form = FeeForm(request.POST)
    if form.is_valid():
        try:
            services.desk_record_fee(dossier=d, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã ghi nhận phí, lệ phí (biên lai số %(n)s).")
                             % {"n": form.cleaned_data["receipt_number"]})
            return redirect("reception:dossier", pk=d.pk)
    d.refresh_from_db()
    return render(request, "reception/dossier.html", _dossier_context(d, fee_form=form), status=400)


# --- finding a dossier: to return its result, or to check it again after a supplement ---------------------

@require_GET
@clerk_required
def find(request):
    q = request.GET.get("q", "").strip()
    found = selectors.find_at_desk(request.user, q) if q else None
    return render(request, "reception/find.html", {"q": q, "found": found})


@require_http_methods(["GET", "POST"])
@clerk_required
def return_result(request, pk: int):
    d = _own_dossier(request, pk)
    if d.status != Status.RESULT_READY:
        messages.info(request, _("Hồ sơ đang ở trạng thái “%(s)s”, chưa có kết quả để trả.")
                      % {"s": d.get_status_display()})
        return redirect("reception:dossier", pk=d.pk)
    initial = {"how": ReturnForm.POST if d.delivery == "postal" else ReturnForm.DESK,
               "collected_by_name": d.applicant_name, "collected_by_id_number": d.applicant_id_number}
    form = ReturnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.desk_return_result(
                dossier=d, by=request.user, collected_by_name=data["collected_by_name"],
                collected_by_id_number=data["collected_by_id_number"], on_behalf=data["on_behalf"],
                postal_tracking_number=data["postal_tracking_number"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _decided(request, result)
    return render(request, "reception/return.html", {"dossier": d, "form": form}, status=_error_status(form))


# --- assisted digital: filing online for a citizen ------------------------------------------------------------

@require_GET
@clerk_required
def assisted_start(request):
    form = CitizenLookupForm(request.GET or None)
    citizen, q = None, request.GET.get("pq", "")
    if form.is_valid():
        citizen = selectors.find_citizen(form.cleaned_data["q"])
        if citizen is None:
            form.add_error("q", _("Không tìm thấy tài khoản công dân với số này. Công dân cần đăng ký tài khoản "
                                  "(hoặc đăng nhập VNeID) trước khi được nộp hộ."))
    results = selectors.search_procedures_for_desk(request.user, q, online_only=True) if citizen and q else []
    context = {"form": form, "citizen": citizen, "q": q, "results": results, "target": "reception:assisted"}
    if request.htmx and citizen:
        return render(request, "reception/_procedure_results.html", context)
    return render(request, "reception/assisted_start.html", context, status=_error_status(form))


@require_http_methods(["GET", "POST"])
@clerk_required
def assisted(request, pk: int, citizen_pk: int):
    procedure = _procedure(pk)
    citizen = get_object_or_404(User, pk=citizen_pk, is_active=True, groups__name=Role.CITIZEN)
    case, cases = _case(procedure, request.POST.get("case") or request.GET.get("case"))
    if case is None:
        return render(request, "reception/choose_case.html", {"procedure": procedure, "cases": cases})
    documents = _documents(case)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    initial = {"applicant_name": citizen.full_name, "applicant_id_type": "cccd", "applicant_id_number": citizen.cccd,
               "applicant_phone": citizen.phone, "applicant_email": citizen.email,
               "applicant_address": citizen.address, "delivery": "desk"}
    form = ApplicantDeskForm(data, procedure=procedure, initial=initial)
    rows = checklist_forms(documents, data, files)
    if request.method == "POST" and form.is_valid() and all(r.is_valid() for r in rows):
        try:
            d = services.assisted_file(by=request.user, citizen=citizen, procedure=procedure,
                                       applicant=form.applicant(), case=case, delivery=form.cleaned_data["delivery"],
                                       uploads=[u for r in rows for u in r.uploads()])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã nộp hồ sơ trực tuyến thay công dân %(name)s, mã hồ sơ %(code)s. Hồ sơ "
                                        "nằm trong danh sách chờ kiểm tra và trong “Hồ sơ của tôi” của công dân.")
                             % {"name": citizen, "code": d.code})
            return redirect("reception:dossier", pk=d.pk)
    return render(request, "reception/assisted.html", {
        "procedure": procedure, "case": case, "citizen": citizen, "form": form, "rows": rows,
        "files_lost": request.method == "POST" and bool(request.FILES), "rows_invalid": any(r.errors for r in rows),
    }, status=_error_status(form, *rows))

