"""Pages of the desk queue: the public kiosk and waiting-room display, and the clerk's call buttons."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.errors import DomainError
from accounts.models import Agency

from . import queue
from .access import clerk_required
from .models import Counter, DeskService, Priority, Ticket

SESSION_COUNTER = "desk_counter_id"


def counter_of(request) -> Counter | None:
    """The counter the clerk said they sit at (kept in the session; must belong to their agency)."""
    pk = request.session.get(SESSION_COUNTER)
    if not pk:
        return None
    return (Counter.objects.filter(pk=pk, agency_id=request.user.agency_id, is_active=True)
            .prefetch_related("services").first())


def queue_panel_context(request) -> dict:
    counter = counter_of(request)
    return {
        "counter": counter,
        "counters": queue.counters_of(request.user.agency_id) if counter is None else (),
        "current": queue.current_ticket(counter) if counter else None,
        "waiting": queue.waiting_count(counter) if counter else 0,
    }


def _panel_or_redirect(request):
    if request.htmx:
        return render(request, "reception/_queue_panel.html", queue_panel_context(request))
    return redirect("reception:desk")


@require_POST
@clerk_required
def counter_select(request):
    pk = request.POST.get("counter") or ""
    if not pk:  # "Rời quầy"
        request.session.pop(SESSION_COUNTER, None)
        return _panel_or_redirect(request)
    counter = Counter.objects.filter(pk=pk if pk.isdigit() else 0, agency_id=request.user.agency_id,
                                     is_active=True).first()
    if counter is None:
        messages.error(request, _("Quầy không tồn tại hoặc không thuộc cơ quan của bạn."))
    else:
        request.session[SESSION_COUNTER] = counter.pk
    return _panel_or_redirect(request)


@require_POST
@clerk_required
def call_next(request):
    counter = counter_of(request)
    if counter is None:
        messages.error(request, _("Hãy chọn quầy trước khi gọi số."))
        return _panel_or_redirect(request)
    try:
        ticket = queue.ticket_call_next(counter=counter, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if ticket is None:
            messages.info(request, _("Không còn ai đang chờ."))
    return _panel_or_redirect(request)


@require_POST
@clerk_required
def ticket_action(request, pk: str, action: str):
    ticket = get_object_or_404(Ticket.objects.select_related("counter", "service"),
                               pk=pk, agency_id=request.user.agency_id)
    try:
        if action == "recall":
            queue.ticket_recall(ticket=ticket, by=request.user)
        else:
            queue.ticket_finish(ticket=ticket, by=request.user, skipped=action == "skip")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _panel_or_redirect(request)


# --- public pages (no login: a touch screen in the hall and a TV on the wall) ---------------------------

def _agency(code: str) -> Agency:
    return get_object_or_404(Agency, code=code, is_active=True)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda group, request: getattr(settings, "KIOSK_TICKET_RATE", "60/m"),
           method="POST", block=False)
def kiosk(request, agency_code: str):
    agency = _agency(agency_code)
    error = ""
    if request.method == "POST":
        if getattr(request, "limited", False):
            error = _("Máy lấy số đang quá tải, vui lòng thử lại sau ít phút.")
        else:
            service = DeskService.objects.filter(agency=agency, pk=request.POST.get("service") or 0).first()
            if service is None:
                error = _("Hãy chọn một dịch vụ.")
            else:
                try:
                    ticket = queue.ticket_take(service=service, priority=request.POST.get("priority", ""))
                except DomainError as exc:
                    error = exc.message
                else:
                    return redirect("reception:ticket", token=ticket.token)
    return render(request, "reception/kiosk.html", {
        "agency": agency, "services": queue.services_for_kiosk(agency), "priorities": Priority.choices[1:],
        "error": error,
    }, status=400 if error else 200)


@require_GET
def ticket_page(request, token: str):
    ticket = get_object_or_404(Ticket.objects.select_related("service", "agency"), token=token)
    return render(request, "reception/ticket.html",
                  {"ticket": ticket, "agency": ticket.agency, "ahead": queue.people_ahead(ticket)})


@require_GET
def display(request, agency_code: str):
    agency = _agency(agency_code)
    return render(request, "reception/display.html", {"agency": agency, **queue.board(agency)})


@require_GET
def display_board(request, agency_code: str):
    """htmx polling: 204 (htmx leaves the page alone) while nothing changed, else the new board."""
    agency = _agency(agency_code)
    state = queue.board(agency)
    if request.GET.get("v") == state["version"]:
        return HttpResponse(status=204)
    return render(request, "reception/_board.html", {"agency": agency, **state})
