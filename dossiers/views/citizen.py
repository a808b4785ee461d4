"""'Hồ sơ của tôi': the citizen's own dossiers, one dossier's page, and withdrawal."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.errors import DomainError
from procedures.models import RequiredDocument

from .. import selectors, services
from ..forms import SupplementUploadForm, WithdrawForm
from ..models import Attachment, Dossier, Status
from ..uploads import ALLOWED_LABEL
from ._common import action_label, posted, role_required, status_badge, weekday
from .workflow_ui import can_complete_supplement, can_withdraw

PAGE_SIZE = 20


@role_required()
def my_dossiers(request):
    # The selector returns only the user's own dossiers, so any signed-in user may open the page.
    paginator = Paginator(selectors.dossiers_of_citizen(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {"dossier": d, "badge": status_badge(d.status), "can_withdraw": can_withdraw(d, request.user),
         "due_weekday": weekday(d.due_at)}
        for d in page.object_list
    ]
    return render(request, "dossiers/citizen/my_dossiers.html", {"page": page, "rows": rows})


def _own(request, pk) -> Dossier:
    return selectors.dossier_for_citizen(request.user, pk)  # another's dossier is a 404, not a 403


@role_required()
def my_dossier(request, pk):
    dossier = _own(request, pk)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:submit-details", pk=dossier.pk)
    steps = [
        {"at": s.at, "label": action_label(s.action), "status": s.get_to_status_display(),
         "agency": s.to_agency or s.from_agency}
        for s in dossier.steps.select_related("from_agency", "to_agency").order_by("at", "id")
    ]
    pause = dossier.pauses.filter(ended_at__isnull=True).first() if dossier.status == Status.SUPPLEMENT else None
    return render(request, "dossiers/citizen/my_dossier.html", {
        "dossier": dossier, "badge": status_badge(dossier.status), "steps": steps, "pause": pause,
        "attachments": dossier.attachments.select_related("required_document").order_by("id"),
        "documents": dossier.documents.order_by("issued_at", "id"),
        "can_withdraw": can_withdraw(dossier, request.user), "due_weekday": weekday(dossier.due_at),
        "can_supplement": can_complete_supplement(dossier, request.user),
    })


@role_required()
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    dossier = _own(request, pk)
    form = WithdrawForm(posted(request))
    status, blocked = 200, ""
    allowed = can_withdraw(dossier, request.user)
    if not allowed:
        blocked = _("Hồ sơ ở trạng thái “%(status)s” không thể rút được nữa.") % {
            "status": dossier.get_status_display()}
        status = 409
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.dossier_withdraw(dossier=dossier, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.http_status
            else:
                messages.success(request, _("Đã rút hồ sơ %(code)s.") % {"code": dossier.code or dossier.pk})
                return redirect("dossiers:my-dossiers")
        else:
            status = 400
    return render(request, "dossiers/citizen/withdraw.html", {"dossier": dossier, "form": form, "allowed": allowed,
                                                             "blocked": blocked},
                  status=status)


@role_required()
@require_http_methods(["GET", "POST"])
def supplement(request, pk):
    """Answer a supplement request online: add the files asked for, then send the dossier back."""
    dossier = _own(request, pk)
    if not can_complete_supplement(dossier, request.user):
        messages.info(request, _("Hồ sơ này hiện không chờ bổ sung."))
        return redirect("dossiers:my-dossier", pk=dossier.pk)
    pause = dossier.pauses.filter(ended_at__isnull=True).first()
    documents = dossier.case.documents.all() if dossier.case_id else RequiredDocument.objects.none()
    form = SupplementUploadForm(*posted(request, files=True), documents=documents)
    results, error, status = [], "", 200
    if request.method == "POST" and "done" in request.POST:
        if not _added_since(dossier, pause).exists():
            error = _("Hãy tải lên ít nhất một tệp bổ sung trước khi gửi lại hồ sơ.")
            status = 400
        else:
            try:
                services.dossier_complete_supplement(dossier=dossier, by=request.user)
            except DomainError as exc:
                error, status = exc.message, exc.http_status
            else:
                messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan sẽ tiếp tục giải quyết."))
                return redirect("dossiers:my-dossier", pk=dossier.pk)
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            for upload in form.cleaned_data["files"]:
                try:
                    services.attachment_add(dossier=dossier, by=request.user, upload=upload,
                                            required_document=form.cleaned_data["required_document"],
                                            copy_kind=form.cleaned_data["copy_kind"])
                except DomainError as exc:
                    results.append({"name": upload.name, "ok": False, "message": exc.message})
                else:
                    results.append({"name": upload.name, "ok": True, "message": _("Đã tải lên")})
            if not results:
                error = _("Hãy chọn ít nhất một tệp để tải lên.")
            elif all(r["ok"] for r in results):
                for r in results:
                    messages.success(request, _("Đã tải lên: %(name)s") % {"name": r["name"]})
                return redirect("dossiers:supplement", pk=dossier.pk)
    return render(request, "dossiers/citizen/supplement.html", {
        "dossier": dossier, "pause": pause, "form": form, "results": results, "error": error,
        "added": _added_since(dossier, pause).select_related("required_document"),
        "max_size": settings.UPLOAD_MAX_BYTES, "allowed_label": ALLOWED_LABEL,
    }, status=status)


def _added_since(dossier: Dossier, pause):
    """The files the citizen added after the request (what the clerk will look at)."""
    qs = Attachment.objects.filter(dossier=dossier, uploaded_by=dossier.submitted_by).order_by("id")
    return qs.filter(uploaded_at__gte=pause.started_at) if pause else qs.none()
