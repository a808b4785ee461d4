"""Checking what citizens and clerks upload before it is stored.

A file is judged by its content, never by its name: the type is sniffed from the first bytes (the
`filetype` library), the extension the user gave must agree with it, and the stored name is generated
(the user's name is kept only as a sanitised label). Every refusal is a Vietnamese sentence naming the file.
"""

import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from accounts.errors import DomainError

# Sniffed MIME type → the extensions a genuine file of that type may carry. The first is canonical and is
# the extension of the stored file.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/tiff": (".tif", ".tiff"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
}
ALLOWED_EXTENSIONS = frozenset(ext for exts in ALLOWED_TYPES.values() for ext in exts)
ALLOWED_LABEL = "PDF, JPEG, PNG, TIFF, DOCX, ODT"
SNIFF_BYTES = 8192  # what filetype reads; office formats are recognised from the first ZIP entries
MAX_NAME_LENGTH = 120  # a label on screens and receipts, not a path

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


class UploadError(DomainError):
    code = "invalid_upload"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check; ``storage_name`` is what it will be stored as."""

    file: File
    original_name: str
    content_type: str
    size: int
    sha256: str
    storage_name: str


def safe_name(name: str | None) -> str:
    """The user's file name reduced to a harmless label: no directories, NUL or control bytes, ≤ 120 chars.

    '../../etc/passwd.pdf' → 'passwd.pdf'; 'C:\\Users\\An\\don.pdf' → 'don.pdf'. Vietnamese letters are kept
    (NFC), since clerks read these names.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\x00", "")
    name = re.split(r"[\\/]", name)[-1]  # both separators: browsers on Windows send full paths
    name = _UNSAFE_CHARS.sub("_", name)
    name = " ".join(name.split()).strip(" .")  # no hidden files, no trailing dots (Windows strips them)
    if not name:
        return "tep-tai-len"
    stem, ext = os.path.splitext(name)
    ext = ext[:10]
    if len(name) > MAX_NAME_LENGTH:
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip(" .") + ext
    return name


def _size_label(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def check_upload(upload) -> CheckedUpload:
    """Validate size, sniffed type and name of an uploaded file; raise UploadError with a clear sentence."""
    label = safe_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadError(
            _("Tệp “%(name)s” có dung lượng %(size)s, vượt quá mức cho phép %(limit)s.")
            % {"name": label, "size": _size_label(size), "limit": _size_label(limit)},
            code="upload_too_large",
        )
    if size == 0:
        raise UploadError(_("Tệp “%(name)s” rỗng.") % {"name": label}, code="upload_empty")

    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise UploadError(
            _("Nội dung tệp “%(name)s” không phải là một loại tệp được chấp nhận (%(allowed)s).")
            % {"name": label, "allowed": ALLOWED_LABEL},
            code="upload_type",
        )
    extension = os.path.splitext(label)[1].lower()
    if extension not in ALLOWED_TYPES[content_type]:
        # An .exe renamed .pdf fails above; this catches the subtler case: a real file behind a wrong name
        # (HTML or a PDF renamed .jpg), which browsers and viewers may mishandle.
        raise UploadError(
            _("Tên tệp “%(name)s” không khớp với nội dung thật của tệp (%(real)s). Hãy lưu lại đúng định dạng.")
            % {"name": label, "real": ALLOWED_TYPES[content_type][0].lstrip(".").upper()},
            code="upload_type_mismatch",
        )

    digest = hashlib.sha256()
    upload.seek(0)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
    for chunk in chunks:
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        file=upload if isinstance(upload, File) else File(upload, name=label),
        original_name=label,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        storage_name=f"{uuid.uuid4().hex}{ALLOWED_TYPES[content_type][0]}",
    )
