"""Scoped downloads: issued PDFs and citizens' attachments are never served from a public media URL."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.permissions import in_scope

from .. import selectors
from ..models import Attachment, Dossier, IssuedDocument
from ._common import role_required

# Shown in the browser's own viewer; anything else is only ever downloaded.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _check(user, dossier: Dossier | None, agency_id: int | None) -> None:
    """The owner, or staff who may see the dossier (selectors.may_view: its agencies, liên thông included);
    a document without a dossier (the tracking book) by its issuing agency's scope."""
    if dossier is not None and selectors.may_view(user, dossier):
        return
    if dossier is None and user.is_portal_staff and in_scope(user, agency_id):
        return
    if user.is_portal_staff:
        raise PermissionDenied(_("Tài liệu này không thuộc phạm vi cơ quan của bạn."))
    raise Http404  # a citizen must not learn that someone else's document exists


def _serve(fieldfile, *, content_type: str, filename: str) -> FileResponse:
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=filename,
                            as_attachment=content_type not in INLINE_TYPES)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"  # an uploaded file can never run script in our origin
    return response


@role_required()
def document(request, pk):
    doc = get_object_or_404(IssuedDocument.objects.select_related("dossier"), pk=pk)
    _check(request.user, doc.dossier, doc.agency_id)
    name = slugify(f"{doc.get_kind_display()} {doc.number}") or f"tai-lieu-{doc.pk}"
    return _serve(doc.file, content_type="application/pdf", filename=f"{name}.pdf")


@role_required()
def attachment(request, pk):
    att = get_object_or_404(Attachment.objects.select_related("dossier"), pk=pk)
    _check(request.user, att.dossier, None)
    return _serve(att.file, content_type=att.content_type or "application/octet-stream", filename=att.original_name)
