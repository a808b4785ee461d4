"""Public tracking (/tra-cuu/): status, appointment and the step timeline, with no personal data.

A wrong code and a wrong phone give the very same answer, so the page cannot be used to learn which
codes exist; lookups are rate-limited per IP (settings.TRACKING_RATE).
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from .. import selectors
from ..forms import TrackingForm
from ..models import Dossier, Status
from ._common import action_label, posted, status_badge, weekday


def tracking_rate(group, request) -> str:
    return settings.TRACKING_RATE  # read per request so a deployment (or a test) can change it


def _limited(request):
    return render(request, "dossiers/tracking/limited.html", status=429)


def _public(dossier: Dossier) -> dict:
    """Only what a stranger holding the receipt may see: no names, numbers, addresses or notes."""
    steps = [
        {"at": s.at, "label": action_label(s.action), "status": s.get_to_status_display(),
         "agency": (s.to_agency or s.from_agency).name if (s.to_agency_id or s.from_agency_id) else ""}
        for s in dossier.timeline  # prefetched by the selector, personal fields left out
    ]
    return {
        "code": dossier.code,
        "procedure": dossier.procedure,
        "status": dossier.get_status_display(),
        "badge": status_badge(dossier.status),
        "receiving_agency": dossier.receiving_agency.name,
        "current_agency": dossier.current_agency.name,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "due_weekday": weekday(dossier.due_at),
        "days_left": selectors.working_days_left(dossier) if dossier.is_open else None,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "is_supplement": dossier.status == Status.SUPPLEMENT,
        "is_result_ready": dossier.status == Status.RESULT_READY,
        "is_returned": dossier.status == Status.RETURNED,
        # Issue 7: the fee and the electronic result, from the dossier's own fields (no query, nothing personal).
        "fee_due": dossier.fee_due_vnd,
        "fee_paid": dossier.fee_paid_at is not None,
        "paid_online": dossier.paid_online,
        "result_online": bool(dossier.result_file) and dossier.status in (Status.RESULT_READY, Status.RETURNED),
        "steps": steps,
    }


@never_cache
@ratelimit(key="ip", rate=tracking_rate, method="POST", block=False, group="dossiers:tracking")
@require_http_methods(["GET", "POST"])
def tracking(request):
    if getattr(request, "limited", False):
        return _limited(request)
    form = TrackingForm(posted(request), initial={"code": request.GET.get("ma", "")})
    found, not_found = None, False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            found = selectors.tracking_lookup(form.cleaned_data["code"], form.cleaned_data["phone"])
            not_found = found is None
            status = 404 if not_found else 200
        else:
            status = 400
    if found:
        form = TrackingForm()  # the phone typed in is not echoed back under the result (shared computers)
    return render(request, "dossiers/tracking/tracking.html", {
        "form": form, "result": _public(found) if found else None, "not_found": not_found,
    }, status=status)


@never_cache
@ratelimit(key="ip", rate=tracking_rate, method="GET", block=False, group="dossiers:tracking-token")
def tracking_token(request, token):
    if getattr(request, "limited", False):
        return _limited(request)
    found = selectors.tracking_by_token(token)
    return render(request, "dossiers/tracking/tracking.html", {
        "form": TrackingForm(), "result": _public(found) if found else None, "not_found": found is None,
        "from_token": True, "token": token,
    }, status=200 if found else 404)
