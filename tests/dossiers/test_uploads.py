"""What may be uploaded: judged by content, stored under a generated name, refused with a clear sentence."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import NotAllowed
from dossiers import services
from dossiers.uploads import UploadError, check_upload, safe_name
from tests.factories import TINY_PDF

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        # OpenDocument: an uncompressed "mimetype" entry first, as LibreOffice writes it.
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "not a document")
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")  # the browser's claim is ignored


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("C:\\Users\\An\\Tờ khai.pdf", "Tờ khai.pdf"),
    ("to\x00khai.pdf", "tokhai.pdf"),
    ("bad<>:\"|?*name.pdf", "bad_name.pdf"),
    (".htaccess", "htaccess"),
    ("   ", "tep-tai-len"),
    ("", "tep-tai-len"),
    ("Tờ khai đăng ký khai sinh.pdf", "Tờ khai đăng ký khai sinh.pdf"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_a_very_long_name_is_cut_but_keeps_its_extension():
    name = safe_name("a" * 500 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


@pytest.mark.parametrize("name, content, mime, ext", [
    ("to-khai.pdf", TINY_PDF, "application/pdf", ".pdf"),
    ("anh.png", PNG, "image/png", ".png"),
    ("anh.jpeg", JPEG, "image/jpeg", ".jpg"),
    ("scan.tif", TIFF, "image/tiff", ".tif"),
    ("don.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    ("don.odt", odt_bytes(), "application/vnd.oasis.opendocument.text", ".odt"),
])
def test_accepted_types_are_sniffed_from_content(name, content, mime, ext):
    checked = check_upload(upload(name, content))
    assert checked.content_type == mime
    assert checked.storage_name.endswith(ext) and checked.storage_name != name
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)


@pytest.mark.parametrize("name, content, code", [
    ("hoa-don.pdf", EXE, "upload_type"),            # a program renamed .pdf
    ("anh.jpg", HTML, "upload_type"),               # HTML renamed .jpg
    ("don.docx", zip_bytes(), "upload_type"),       # a plain ZIP renamed .docx
    ("anh.jpg", TINY_PDF, "upload_type_mismatch"),  # a real PDF behind an image's name
    ("to-khai.exe", TINY_PDF, "upload_type_mismatch"),
    ("to-khai", TINY_PDF, "upload_type_mismatch"),
    ("rong.pdf", b"", "upload_empty"),
])
def test_disguised_or_unknown_types_are_refused(name, content, code):
    with pytest.raises(UploadError) as exc:
        check_upload(upload(name, content))
    assert exc.value.code == code
    assert safe_name(name) in exc.value.message  # the sentence names the file


def test_oversize_files_are_refused_with_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(UploadError) as exc:
        check_upload(upload("scan.pdf", TINY_PDF + b"0" * (2 * 1024 * 1024)))
    assert exc.value.code == "upload_too_large"
    assert "2 MB" in exc.value.message and "scan.pdf" in exc.value.message


def test_the_service_stores_under_a_generated_name(world):
    dossier = world.draft()
    document = dossier.case.documents.first()
    attachment = services.attachment_add(dossier=dossier, by=world.owner,
                                         upload=upload("../../etc/passwd.pdf", TINY_PDF), required_document=document)
    assert attachment.original_name == "passwd.pdf"
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.startswith("dossiers/") and attachment.file.name.endswith(".pdf")
    with attachment.file.open("rb") as f:
        assert f.read() == TINY_PDF
    assert (attachment.content_type, attachment.sha256, attachment.uploaded_by) == (
        "application/pdf", hashlib.sha256(TINY_PDF).hexdigest(), world.owner)


def test_a_refused_file_leaves_nothing_behind(world, settings):
    dossier = world.draft()
    before = dossier.attachments.count()
    with pytest.raises(UploadError):
        services.attachment_add(dossier=dossier, by=world.owner, upload=upload("x.pdf", EXE))
    assert dossier.attachments.count() == before
    media = settings.MEDIA_ROOT
    stored = {p.name for p in media.rglob("*") if p.is_file()}
    assert len(stored) == before


def test_only_the_owner_uploads_to_a_draft(world):
    dossier = world.draft()
    with pytest.raises(NotAllowed):
        services.attachment_add(dossier=dossier, by=world.other_citizen, upload=upload("x.pdf", TINY_PDF))
