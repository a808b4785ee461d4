"""The citizen's document store (kho giấy tờ): files they uploaded before, results issued to them, and paper
the desk digitised for them. A stored file attaches to a new dossier without uploading again
(Attachment.reused=True) — the "reuse of digitised documents" Decision 766 measures.
"""

from __future__ import annotations

import logging

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.errors import DomainError, NotAllowed
from accounts.models import User
from accounts.roles import Role

from . import services
from .models import Attachment, Dossier, StoredDocument, StoredDocumentSource
from .uploads import check_upload

logger = logging.getLogger(__name__)


def documents_of(user: User) -> QuerySet[StoredDocument]:
    """The owner's store, newest first."""
    return StoredDocument.objects.filter(owner=user).order_by("-created_at", "-id")


def _add(*, owner: User, by: User | None, file, original_name: str, sha256: str, size: int, content_type: str,
         title: str, source: str, dossier: Dossier | None = None, storage_name: str | None = None) -> StoredDocument:
    """One row per (owner, content): the same bytes stored again return the row already there."""
    existing = StoredDocument.objects.filter(owner=owner, sha256=sha256).first()
    if existing:
        return existing
    doc = StoredDocument(owner=owner, title=(title or original_name)[:500], original_name=original_name[:255],
                         sha256=sha256, size=size, content_type=content_type, source=source, dossier=dossier,
                         added_by=by)
    doc.file.save(storage_name or original_name, file, save=False)
    try:
        with transaction.atomic():
            doc.save()
    except IntegrityError:  # the same file stored at the same moment by another request
        doc.file.storage.delete(doc.file.name)
        return StoredDocument.objects.get(owner=owner, sha256=sha256)
    return doc


def store_upload(*, owner: User, by: User, upload, title: str = "") -> StoredDocument:
    """The citizen adds a file to their own store."""
    if by.pk != owner.pk:
        raise NotAllowed(_("Bạn chỉ thêm giấy tờ vào kho của chính mình."))
    checked = check_upload(upload)
    return _add(owner=owner, by=by, file=checked.file, original_name=checked.original_name, sha256=checked.sha256,
                size=checked.size, content_type=checked.content_type, title=title, source=StoredDocumentSource.UPLOAD,
                storage_name=checked.storage_name)


def store_digitise(*, citizen: User, by: User, upload, title: str) -> StoredDocument:
    """The desk scans a paper document into a citizen's store (số hóa tại Bộ phận Một cửa)."""
    if not by.is_authenticated or not by.has_role(Role.CLERK, Role.ADMIN):
        raise NotAllowed(_("Chỉ cán bộ một cửa mới số hóa giấy tờ cho công dân."))
    if not citizen.has_role(Role.CITIZEN):
        raise DomainError(_("Chỉ số hóa giấy tờ vào kho của tài khoản công dân."), code="not_citizen")
    if not (title or "").strip():
        raise DomainError(_("Hãy nhập tên giấy tờ được số hóa."), code="required")
    checked = check_upload(upload)
    return _add(owner=citizen, by=by, file=checked.file, original_name=checked.original_name, sha256=checked.sha256,
                size=checked.size, content_type=checked.content_type, title=title.strip(),
                source=StoredDocumentSource.DESK, storage_name=checked.storage_name)


def store_add_submitted(*, dossier: Dossier) -> int:
    """Keep the files of a submitted dossier in its owner's store (those not taken from it); returns how many."""
    if not dossier.submitted_by_id:
        return 0
    added = 0
    for att in dossier.attachments.filter(reused=False).select_related("required_document"):
        title = att.required_document.name if att.required_document_id else att.original_name
        with att.file.open("rb") as fh:
            _add(owner=dossier.submitted_by, by=att.uploaded_by, file=File(fh), original_name=att.original_name,
                 sha256=att.sha256, size=att.size, content_type=att.content_type, title=title,
                 source=StoredDocumentSource.UPLOAD, dossier=dossier, storage_name=att.file.name.rsplit("/", 1)[-1])
        added += 1
    return added


def store_add_result(*, dossier: Dossier) -> StoredDocument | None:
    """The electronic result goes to the owner's store when it is handed over."""
    import hashlib

    if not dossier.result_file or not dossier.submitted_by_id:
        return None
    digest = hashlib.sha256()
    with dossier.result_file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        fh.seek(0)
        title = _("Kết quả: %(procedure)s (hồ sơ %(code)s)") % {"procedure": dossier.procedure.name,
                                                                 "code": dossier.code or dossier.pk}
        return _add(owner=dossier.submitted_by, by=None, file=File(fh), original_name=f"ket-qua-{dossier.code}.pdf",
                    sha256=digest.hexdigest(), size=dossier.result_file.size, content_type="application/pdf",
                    title=title, source=StoredDocumentSource.RESULT, dossier=dossier,
                    storage_name=dossier.result_file.name.rsplit("/", 1)[-1])


def store_attach(*, dossier: Dossier, by: User, document: StoredDocument, required_document=None) -> Attachment:
    """Attach a stored file to the dossier without uploading it again (Attachment.reused=True).

    Only the store's owner reuses it, on their own dossier (or a clerk filing for that citizen).
    """
    if document.owner_id != dossier.submitted_by_id or by.pk not in (document.owner_id, dossier.filed_by_id):
        raise NotAllowed(_("Giấy tờ này không thuộc kho của chủ hồ sơ."))
    with document.file.open("rb") as fh:
        upload = File(fh, name=document.original_name)
        return services.attachment_add(dossier=dossier, by=by, upload=upload, required_document=required_document,
                                       reused=True)


def store_remove(*, document: StoredDocument, by: User) -> None:
    """Remove a file from one's store; dossiers that used it keep their own copy."""
    if document.owner_id != by.pk:
        raise NotAllowed(_("Bạn chỉ xóa được giấy tờ trong kho của mình."))
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _keep_submitted_files(sender, *, dossier_id: int, action: str, step_log_id: int, **kwargs) -> None:
    """After a submission commits, its files join the owner's store (connected in dossiers/apps.py)."""
    if action != "submit":
        return
    dossier = Dossier.objects.select_related("submitted_by").filter(pk=dossier_id).first()
    if dossier is not None:
        store_add_submitted(dossier=dossier)


def connect() -> None:
    from .signals import dossier_transitioned

    dossier_transitioned.connect(_keep_submitted_files, sender=Dossier, dispatch_uid="store_keep_submitted_files")
