"""Public tracking (/tra-cuu/): status, appointment and the step timeline, with no personal data.

A wrong code and a wrong phone give the very same answer, so the page cannot be used to learn which
codes exist; failed lookups are rate-limited per client (settings.TRACKING_RATE, see dossiers/tracking.py).
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..forms import TrackingForm
from ..models import Status
from ..tracking import Card, TooManyMisses, by_code, by_token, client_of
from ._common import posted, status_badge, weekday


def _limited(request):
    return render(request, "dossiers/tracking/limited.html", status=429)


def _public(card: Card) -> dict:
    """What the page adds to the card: the badge, the countdown as of now, labels in the reader's language."""
    appointment = card.appointment()
    return {
        "card": card,
        "badge": status_badge(card.status),
        "due_weekday": weekday(card.due_at),
        "days_left": appointment["working_days_left"] if appointment else None,
        "is_supplement": card.status == Status.SUPPLEMENT,
        "is_result_ready": card.status == Status.RESULT_READY,
        "is_returned": card.status == Status.RETURNED,
        "steps": [{"at": s.at, "label": s.label, "status": s.status_label, "agency": s.agency} for s in card.steps],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def tracking(request):
    form = TrackingForm(posted(request), initial={"code": request.GET.get("ma", "")})
    found, not_found = None, False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                found = by_code(form.cleaned_data["code"], form.cleaned_data["phone"], client=client_of(request))
            except TooManyMisses:
                return _limited(request)
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
def tracking_token(request, token):
    try:
        found = by_token(token, client=client_of(request))
    except TooManyMisses:
        return _limited(request)
    return render(request, "dossiers/tracking/tracking.html", {
        "form": TrackingForm(), "result": _public(found) if found else None, "not_found": found is None,
        "from_token": True, "token": token,
    }, status=200 if found else 404)
