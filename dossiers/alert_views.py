"""The staff's alerts: the list at /canh-bao/ and mark as read (one, or all). A user sees only their own."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import STAFF_ROLES

from . import alerts as alert_service
from .models import Alert, AlertKind
from .views._common import role_required

PAGE_SIZE = 50
KIND_BADGE = {
    AlertKind.OVERDUE: "badge-bad",
    AlertKind.STEP_OVERDUE: "badge-bad",
    AlertKind.CONFIRM_OVERDUE: "badge-bad",
    AlertKind.NEAR_DUE: "badge-warn",
    AlertKind.STEP_NEAR_DUE: "badge-warn",
}


def _row(alert: Alert) -> dict:
    return {"alert": alert, "badge": KIND_BADGE.get(alert.kind, "")}


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("alerts:list")


@require_GET
@role_required(*STAFF_ROLES)
def alert_list(request):
    unread_only = request.GET.get("tat-ca") != "1"
    qs = alert_service.alerts_for(request.user, unread_only=unread_only)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dossiers/alerts/list.html", {
        "page": page,
        "rows": [_row(a) for a in page.object_list],
        "unread_only": unread_only,
        "query": "" if unread_only else "tat-ca=1",
        "now": timezone.now(),
    })


@require_POST
@role_required(*STAFF_ROLES)
def alert_read(request, pk: int):
    alert = (
        Alert.objects.filter(pk=pk, recipient=request.user)
        .select_related("dossier", "dossier__procedure")
        .first()
    )
    if alert is None:  # someone else's alert is as good as missing
        raise Http404(_("Không tìm thấy cảnh báo."))
    alert_service.alert_mark_read(by=request.user, alert_ids=[alert.pk])
    if request.htmx:
        alert.refresh_from_db(fields=["read_at"])
        return render(request, "dossiers/alerts/_row.html", {"r": _row(alert), "oob_count": True})
    return _back(request)


@require_POST
@role_required(*STAFF_ROLES)
def alert_read_all(request):
    count = alert_service.alert_mark_read(by=request.user)
    messages.success(request, ngettext("Đã đánh dấu %(n)d cảnh báo là đã đọc.",
                                       "Đã đánh dấu %(n)d cảnh báo là đã đọc.", count) % {"n": count})
    return _back(request)
