"""The citizen's guided online submission: case → applicant → one page per document → check → submit → done.

Every write goes through dossiers/services.py; these views only translate HTTP. Each step works with a
plain POST; htmx only adds the autosave of the applicant form.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.errors import DomainError
from accounts.roles import Role
from procedures.models import Procedure, ProcedureCase

from .. import deadlines, services
from ..forms import ApplicantForm, StartForm, UploadForm
from ..models import Attachment, Dossier, Status
from ..uploads import ALLOWED_LABEL
from ._common import posted, role_required, weekday

# Every step needs a signed-in user; the services decide who may file (a citizen for themself), and a clerk
# who filed a draft for a citizen (assisted digital, filed_by) may continue it here too.
APPLICANT_FIELDS = ("applicant_name", "applicant_id_type", "applicant_id_number", "applicant_phone",
                    "applicant_email", "applicant_address", "delivery")


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=gettext_lazy("Tôi cam đoan những thông tin kê khai và giấy tờ đã nộp là đúng sự thật."),
        error_messages={"required": gettext_lazy("Hãy xác nhận lời cam đoan trước khi nộp hồ sơ.")},
    )


def _owns(user, dossier: Dossier) -> bool:
    return user.pk in (dossier.submitted_by_id, dossier.filed_by_id)


def _cases(procedure: Procedure):
    if procedure.current_version_id is None:
        return ProcedureCase.objects.none()
    return ProcedureCase.objects.filter(version_id=procedure.current_version_id).order_by("order", "id")


def _draft(request, pk: int) -> Dossier:
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "case", "receiving_agency"), pk=pk
    )
    if not _owns(request.user, dossier):
        raise Http404  # someone else's draft does not exist for this user
    return dossier


def _documents(dossier: Dossier) -> list:
    return list(dossier.case.documents.all()) if dossier.case_id else []


def _prefill(user) -> dict:
    """The applicant's details from the account; a clerk filing for someone starts from a blank form."""
    if not user.has_role(Role.CITIZEN):
        return {"name": "", "id_type": "cccd", "id_number": "", "phone": "", "email": "", "address": ""}
    return {
        "name": user.full_name or user.get_full_name(),
        "id_type": "cccd",
        "id_number": user.cccd or "",
        "phone": user.phone or "",
        "email": user.email or "",
        "address": user.address or "",
    }


def _steps(dossier: Dossier, docs: list, current: str) -> list[dict]:
    """The journey's progress bar: each step with its link and whether it is the current one."""
    steps = [{"key": "details", "label": _("Thông tin người nộp"),
              "url": reverse("dossiers:submit-details", args=[dossier.pk])}]
    for i, doc in enumerate(docs, start=1):
        steps.append({"key": f"doc{i}", "label": doc.name,
                      "url": reverse("dossiers:submit-document", args=[dossier.pk, i])})
    steps.append({"key": "review", "label": _("Kiểm tra và nộp"),
                  "url": reverse("dossiers:submit-review", args=[dossier.pk])})
    for s in steps:
        s["current"] = s["key"] == current
    return steps


def _guard_draft(request, dossier: Dossier):
    """A submitted dossier cannot go back through the journey: send the user to where it now lives."""
    if dossier.status != Status.DRAFT:
        messages.info(request, _("Hồ sơ này đã được nộp, không thể sửa nữa."))
        if request.htmx:  # an autosave from a tab left open: move the page, not the status line
            return HttpResponseClientRedirect(reverse("dossiers:my-dossier", args=[dossier.pk]))
        return redirect("dossiers:my-dossier", pk=dossier.pk)
    return None


@role_required()
@require_http_methods(["GET", "POST"])
def submit_start(request, code):
    procedure = get_object_or_404(Procedure.objects.select_related("field"), code=code, is_active=True)
    cases = _cases(procedure)
    case_list = list(cases.prefetch_related("documents"))
    agencies = procedure.agencies.filter(is_active=True).order_by("name")
    agency_list = list(agencies)
    available = procedure.accepts_online and procedure.is_online and bool(case_list)
    drafts = list(
        Dossier.objects.filter(procedure=procedure, status=Status.DRAFT)
        .filter(Q(submitted_by=request.user) | Q(filed_by=request.user))
        .order_by("-updated_at")[:5]
    )
    form = StartForm(posted(request), cases=cases, agencies=agencies,
                     ask_case=len(case_list) > 1, ask_agency=len(agency_list) > 1)
    status = 200
    if request.method == "POST":
        status = 409 if not available else 400
        if available and form.is_valid():
            try:
                dossier = services.dossier_create_draft(
                    procedure=procedure, by=request.user, applicant=_prefill(request.user),
                    case=form.cleaned_data.get("case") or case_list[0], agency=form.cleaned_data.get("agency"),
                    delivery="desk", channel="online",
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.http_status
            else:
                return redirect("dossiers:submit-details", pk=dossier.pk)
    return render(request, "dossiers/submit/start.html", {
        "procedure": procedure, "cases": case_list, "form": form, "available": available, "drafts": drafts,
    }, status=status)


@role_required()
@require_http_methods(["GET", "POST"])
def submit_details(request, pk):
    dossier = _draft(request, pk)
    if redirect_to := _guard_draft(request, dossier):
        return redirect_to
    initial = {name: getattr(dossier, name) for name in APPLICANT_FIELDS}
    form = ApplicantForm(posted(request), initial=initial, procedure=dossier.procedure)
    if request.method == "POST" and request.htmx:
        return _autosave(request, dossier, form)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_update_draft(dossier=dossier, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            docs = _documents(dossier)
            if request.POST.get("return") == "review" or not docs:
                return redirect("dossiers:submit-review", pk=dossier.pk)
            return redirect("dossiers:submit-document", pk=dossier.pk, index=1)
    docs = _documents(dossier)
    return render(request, "dossiers/submit/details.html", {
        "dossier": dossier, "form": form, "steps": _steps(dossier, docs, "details"),
        "return_to": request.GET.get("return") or request.POST.get("return", ""),
        "saved_at": timezone.localtime(dossier.updated_at),
    }, status=400 if form.errors else 200)


def _autosave(request, dossier: Dossier, form: ApplicantForm):
    """htmx on change: keep every valid field now; the rest waits for the user (no error noise while typing)."""
    form.is_valid()
    fields = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    changed = {k: v for k, v in fields.items() if getattr(dossier, k) != v}
    error = ""
    if changed:
        try:
            services.dossier_update_draft(dossier=dossier, by=request.user, **changed)
        except DomainError as exc:
            error = exc.message
    # Count only the fields the user actually filled in: an untouched empty field is not a mistake yet.
    invalid = [form.fields[k].label for k in form.errors if k != "__all__" and request.POST.get(k)]
    return render(request, "dossiers/submit/_autosave.html", {
        "saved_at": timezone.localtime(), "error": error, "invalid": invalid,
    })


@role_required()
@require_http_methods(["GET", "POST"])
def submit_document(request, pk, index):
    dossier = _draft(request, pk)
    if redirect_to := _guard_draft(request, dossier):
        return redirect_to
    docs = _documents(dossier)
    if not 1 <= index <= len(docs):
        raise Http404
    doc = docs[index - 1]
    form = UploadForm(*posted(request, files=True))
    results, error, status = [], "", 200
    if request.method == "POST":
        if form.is_valid():
            for upload in form.cleaned_data["files"]:
                try:
                    services.attachment_add(dossier=dossier, by=request.user, upload=upload, required_document=doc,
                                            copy_kind=form.cleaned_data["copy_kind"])
                except DomainError as exc:
                    results.append({"name": upload.name, "ok": False, "message": exc.message})
                else:
                    results.append({"name": upload.name, "ok": True, "message": _("Đã tải lên")})
        failed = bool(form.errors) or any(not r["ok"] for r in results)
        has_files = Attachment.objects.filter(dossier=dossier, required_document=doc).exists()
        if not failed and "next" in request.POST:
            if doc.is_required and not has_files:
                error = _("Đây là giấy tờ bắt buộc: hãy tải lên ít nhất một tệp trước khi tiếp tục.")
            else:
                return redirect(_next_url(dossier, docs, index))
        elif not failed:
            if not results:
                error = _("Hãy chọn ít nhất một tệp để tải lên.")
            else:
                for r in results:
                    messages.success(request, _("Đã tải lên: %(name)s") % {"name": r["name"]})
                return redirect("dossiers:submit-document", pk=dossier.pk, index=index)
        status = 400
    attachments = Attachment.objects.filter(dossier=dossier, required_document=doc).order_by("id")
    return render(request, "dossiers/submit/document.html", {
        "dossier": dossier, "doc": doc, "index": index, "count": len(docs), "form": form, "results": results,
        "error": error, "attachments": attachments, "steps": _steps(dossier, docs, f"doc{index}"),
        "next_url": _next_url(dossier, docs, index), "max_size": settings.UPLOAD_MAX_BYTES,
        "allowed_label": ALLOWED_LABEL,
        "back_url": reverse("dossiers:submit-document", args=[dossier.pk, index - 1]) if index > 1
        else reverse("dossiers:submit-details", args=[dossier.pk]),
    }, status=status)


def _next_url(dossier, docs, index) -> str:
    if index < len(docs):
        return reverse("dossiers:submit-document", args=[dossier.pk, index + 1])
    return reverse("dossiers:submit-review", args=[dossier.pk])


@role_required()
@require_POST
def submit_remove_attachment(request, pk, attachment_pk):
    dossier = _draft(request, pk)
    if redirect_to := _guard_draft(request, dossier):
        return redirect_to
    attachment = get_object_or_404(Attachment, pk=attachment_pk, dossier=dossier)
    docs = _documents(dossier)
    index = next((i for i, d in enumerate(docs, start=1) if d.pk == attachment.required_document_id), None)
    try:
        services.attachment_remove(attachment=attachment, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã xóa tệp %(name)s.") % {"name": attachment.original_name})
    if request.POST.get("return") == "review" or index is None:
        return redirect("dossiers:submit-review", pk=dossier.pk)
    return redirect("dossiers:submit-document", pk=dossier.pk, index=index)


def _review_problems(dossier: Dossier, docs: list, attachments: list) -> list[dict]:
    """What still stops the submission, each with a link to the page that fixes it."""
    problems = []
    data = {name: getattr(dossier, name) for name in APPLICANT_FIELDS}
    details = ApplicantForm(data, procedure=dossier.procedure)
    if not details.is_valid():
        problems.append({"text": _("Thông tin người nộp chưa đầy đủ hoặc chưa hợp lệ."),
                         "url": reverse("dossiers:submit-details", args=[dossier.pk]) + "?return=review"})
    have = {a.required_document_id for a in attachments}
    for i, doc in enumerate(docs, start=1):
        if doc.is_required and doc.pk not in have:
            problems.append({"text": _("Còn thiếu giấy tờ bắt buộc: %(name)s.") % {"name": doc.name},
                             "url": reverse("dossiers:submit-document", args=[dossier.pk, i])})
    return problems


@role_required()
@require_http_methods(["GET", "POST"])
def submit_review(request, pk):
    dossier = _draft(request, pk)
    if redirect_to := _guard_draft(request, dossier):
        return redirect_to
    docs = _documents(dossier)
    attachments = list(Attachment.objects.filter(dossier=dossier).order_by("id"))
    problems = _review_problems(dossier, docs, attachments)
    form = DeclarationForm(posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid() and not problems:
            try:
                services.dossier_submit(dossier=dossier, by=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("dossiers:submit-done", pk=dossier.pk)
        status = 400
    by_doc = {doc.pk: [] for doc in docs}
    others = []
    for a in attachments:
        by_doc.get(a.required_document_id, others).append(a)
    return render(request, "dossiers/submit/review.html", {
        "dossier": dossier, "form": form, "problems": problems, "steps": _steps(dossier, docs, "review"),
        "documents": [{"doc": d, "index": i, "files": by_doc[d.pk]} for i, d in enumerate(docs, start=1)],
        "other_files": others,
    }, status=status)


@role_required()
def submit_done(request, pk):
    dossier = _draft(request, pk)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:submit-review", pk=dossier.pk)
    appointment = _indicative_appointment(dossier)
    return render(request, "dossiers/submit/done.html", {
        "dossier": dossier, "appointment": appointment, "appointment_weekday": weekday(appointment),
    })


def _indicative_appointment(dossier: Dossier):
    """The appointment if the desk received the dossier now; the real one starts at the desk's receipt."""
    if dossier.due_at:
        return dossier.due_at
    limit, unit = dossier.time_limit, dossier.time_unit
    if limit is None and dossier.case_id:
        limit, unit = dossier.case.time_limit, dossier.case.time_unit
    if limit is None:
        return None
    return deadlines.due_at(start=timezone.now(), limit=limit, unit=unit, agency=dossier.receiving_agency)
