"""Public catalog pages: the searchable list and a procedure's page."""

from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .filters import ProcedureFilter
from .models import Procedure
from .selectors import catalog_list, procedure_detail

PAGE_SIZE = 20


def online_submission_url(code: str) -> str:
    """The start of the online journey (dossiers app). A plain path until that URL is registered."""
    try:
        return reverse("dossiers:submit-start", args=[code])
    except NoReverseMatch:
        return f"/nop-ho-so/{quote(code, safe='')}/"


@require_safe
def procedure_list(request):
    filterset = ProcedureFilter(request.GET, queryset=catalog_list())
    # Invalid filters are reported and left out; the valid ones still apply.
    status = 400 if not filterset.is_valid() else 200
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page_obj": page,
        "procedures": page.object_list,
        "query": filterset.form.cleaned_data.get("q", ""),
    }
    return render(request, "procedures/procedure_list.html", context, status=status)


@require_safe
def procedure_page(request, code: str):
    try:
        procedure = procedure_detail(code)
    except Procedure.DoesNotExist:
        raise Http404(_("Không tìm thấy thủ tục mã “%(code)s”.") % {"code": code}) from None
    version = procedure.current_version
    cases = list(version.cases.all()) if version else []
    online = procedure.is_active and procedure.is_online and procedure.accepts_online
    context = {
        "procedure": procedure,
        "version": version,
        "cases": cases,
        "online": online,
        "submit_url": online_submission_url(procedure.code) if online else "",
    }
    return render(request, "procedures/procedure_detail.html", context)
