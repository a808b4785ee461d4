"""The clerk's desk pages. Views parse input, call reception.services / dossiers.services, render."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .access import clerk_required
from .queue_views import queue_panel_context


@require_GET
@clerk_required
def desk(request):
    agency = request.user.agency
    return render(request, "reception/desk.html", {
        "agency": agency,
        "waiting_online": selectors.online_waiting(request.user, agency=agency, limit=50),
        **queue_panel_context(request),
    })
