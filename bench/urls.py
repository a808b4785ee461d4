"""The product's URLs plus a bare tracking lookup, the yardstick of ``python -m bench load``.

Never in config.urls: the view exists to measure how close the real endpoint comes to the database's own
cost (one indexed lookup by code, ``.values()``, JSON), not to serve anyone.
"""

from django.http import JsonResponse
from django.urls import include, path

from dossiers.models import Dossier, Status


def minimal_tracking(request, code: str):
    row = (Dossier.objects.exclude(status=Status.DRAFT).filter(code=code.strip().upper())
           .values("code", "status", "due_at", "applicant_phone").first())
    if row is None or row.pop("applicant_phone")[-4:] != request.GET.get("phone", ""):
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(row)


urlpatterns = [
    path("bench/tracking/<str:code>/", minimal_tracking),
    path("", include("config.urls")),
]
