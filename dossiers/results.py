"""Electronic results (kết quả điện tử): the agency uploads the signed result, the owner downloads it.

The upload is a staff act on the dossier (its agencies, in scope); the download is the owner's (or staff in
scope), logged in ResultDownload. A dossier whose result is delivered online counts as returned when the desk
hands it over online — through the workflow's ``return_result``, like any other return.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import User
from accounts.permissions import in_scope
from accounts.roles import Role

from . import services, store, workflow
from .models import Delivery, Dossier, ResultDownload, Status, StoredDocumentSource
from .uploads import check_upload

# A result can be attached while it is being prepared (for the leader to sign) and once it is approved.
UPLOAD_STATUSES = {Status.PROCESSING, Status.RESULT_READY}
RESULT_TYPES = {"application/pdf"}  # a signed result is a PDF with a digital signature


def may_upload_result(user: User, dossier: Dossier) -> bool:
    return (
        user.is_authenticated
        and user.is_portal_staff
        and user.has_role(Role.CLERK, Role.SPECIALIST, Role.LEADER, Role.ADMIN)
        and (in_scope(user, dossier.current_agency_id) or in_scope(user, dossier.receiving_agency_id))
    )


def may_download_result(user: User, dossier: Dossier) -> bool:
    """The owner once the result is approved; staff of the dossier's agencies. Nobody else, whatever they know."""
    if not user.is_authenticated or not dossier.result_file:
        return False
    if dossier.submitted_by_id == user.pk:
        return result_available(dossier)  # not before the leader has approved it
    return user.is_portal_staff and (in_scope(user, dossier.current_agency_id)
                                     or in_scope(user, dossier.receiving_agency_id))


def result_upload(*, dossier: Dossier, by: User, upload) -> Dossier:
    """Attach the signed result (PDF). If the dossier is approved, delivered online and ``by`` is its desk,
    it is returned online at once; otherwise the desk returns it with ``result_return_online``."""
    checked = check_upload(upload)
    if checked.content_type not in RESULT_TYPES:
        raise DomainError(_("Kết quả điện tử phải là tệp PDF đã ký số."), code="result_not_pdf")
    with transaction.atomic():
        fresh = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if not may_upload_result(by, fresh):
            raise NotAllowed(_("Bạn không có quyền tải kết quả của hồ sơ này."))
        if fresh.status not in UPLOAD_STATUSES:
            raise Conflict(_("Không thể tải kết quả khi hồ sơ đang ở trạng thái “%(status)s”.")
                           % {"status": fresh.get_status_display()})
        old = fresh.result_file.name if fresh.result_file else ""
        fresh.result_file.save(f"ket-qua-{fresh.pk}-{checked.storage_name}", checked.file, save=False)
        fresh._history_user = by
        fresh._change_reason = "result_upload"
        fresh.save(update_fields=["result_file", "updated_at"])
        if old:
            storage = fresh.result_file.storage
            transaction.on_commit(lambda: storage.delete(old))  # a corrected result replaces the first one
    services._sync(dossier, fresh)
    if (fresh.status == Status.RESULT_READY and fresh.delivery == Delivery.ONLINE
            and workflow.may_act(by, fresh, "return_result")):
        return result_return_online(dossier=dossier, by=by)
    return fresh


def result_return_online(*, dossier: Dossier, by: User) -> Dossier:
    """Hand the electronic result over: the dossier is returned (delivery online) and the result goes to the
    citizen's document store, ready to be reused in a later dossier."""
    if not dossier.result_file:
        raise Conflict(_("Hồ sơ chưa có kết quả điện tử để trả trực tuyến."), code="no_result_file")
    if dossier.delivery != Delivery.ONLINE:
        raise Conflict(_("Công dân không chọn nhận kết quả trực tuyến."), code="not_online_delivery")
    returned = services.dossier_return_result(dossier=dossier, by=by, note=_("Trả kết quả điện tử trực tuyến"))
    if returned.submitted_by_id:
        store.store_add_result(dossier=returned)
    return returned


def result_download(*, dossier: Dossier, by: User, remote_addr: str | None = None):
    """The result file to serve to ``by``, after logging the access. Raises NotAllowed when not allowed."""
    if not may_download_result(by, dossier):
        raise NotAllowed(_("Bạn không có quyền tải kết quả của hồ sơ này."))
    ResultDownload.objects.create(dossier=dossier, user=by, remote_addr=remote_addr or None)
    return dossier.result_file


def result_available(dossier: Dossier) -> bool:
    """What tracking shows: an electronic result the citizen can download."""
    return bool(dossier.result_file) and dossier.status in (Status.RESULT_READY, Status.RETURNED)


__all__ = ["StoredDocumentSource", "may_download_result", "may_upload_result", "result_available",
           "result_download", "result_return_online", "result_upload"]
