"""Helpers shared by the dossier pages: role checks, labels, the urgency of a deadline."""

import functools
from datetime import datetime

from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_role

from .. import selectors, workflow
from ..models import Status

WEEKDAYS = [_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ Nhật")]


action_label = workflow.action_label


def weekday(moment: datetime | None) -> str:
    return str(WEEKDAYS[timezone.localtime(moment).weekday()]) if moment else ""


STATUS_BADGE = {
    Status.DRAFT: "",
    Status.REFUSED: "badge-bad",
    Status.STOPPED: "badge-bad",
    Status.WITHDRAWN: "",
    Status.SUPPLEMENT: "badge-warn",
    Status.FINANCIAL: "badge-warn",
    Status.RESULT_READY: "badge-ok",
    Status.RETURNED: "badge-ok",
}


def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "")


URGENCY = {
    # selectors.urgency → (badge class of portal.css, label)
    "late": ("badge-bad", _("Quá hạn")),
    "near": ("badge-warn", _("Sắp đến hạn")),
    "ok": ("badge-ok", _("Trong hạn")),
    "paused": ("", _("Tạm dừng chờ bổ sung")),
    "none": ("", _("Chưa có hạn")),
}


def urgency(dossier, now: datetime | None = None) -> tuple[str, str]:
    css, label = URGENCY[selectors.urgency(dossier, now)]
    return css, str(label)


def format_working_time(seconds: int | None) -> str:
    """Working time as a clerk counts it: 8-hour days, then hours ("2 ngày 3 giờ", "quá 1 ngày 2 giờ")."""
    if seconds is None:
        return ""
    late = seconds < 0
    hours_total = abs(int(seconds)) // 3600
    days, hours = divmod(hours_total, 8)
    minutes = (abs(int(seconds)) % 3600) // 60
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if not parts:
        parts.append(_("%(n)d phút") % {"n": minutes})
    text = " ".join(str(p) for p in parts)
    return str(_("quá %(t)s") % {"t": text}) if late else text


def posted(request, *, files: bool = False):
    """A form's data: bound on POST even when nothing was sent (an empty POST must fail validation, not
    render a fresh form), unbound on GET."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


def role_required(*roles):
    """Function views: anonymous → login page; signed in without the role → 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                response = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):
                    # An htmx call (autosave) after the session expired: move the whole page, not the fragment.
                    return HttpResponseClientRedirect(response["Location"])
                return response
            if roles:
                require_role(request.user, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
