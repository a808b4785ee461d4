"""The citizen's document store: what was uploaded, issued or digitised once is attached again without
uploading (Attachment.reused=True)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.errors import NotAllowed
from dossiers import services, store
from dossiers.models import Attachment, Status, StoredDocument, StoredDocumentSource
from tests.factories import TINY_PDF, tiny_pdf

OTHER_PDF = TINY_PDF.replace(b"Catalog", b"Catalog/Lang(vi)")


def draft_of(online):
    return services.dossier_create_draft(procedure=online.procedure, by=online.owner, applicant={
        "name": "Lê Thị Mai", "id_type": "cccd", "id_number": "038187042028", "phone": "0912345678"})


def test_a_stored_document_is_attached_to_a_new_dossier_without_uploading(client, online):
    cccd = store.store_upload(owner=online.owner, by=online.owner, upload=tiny_pdf("cccd.pdf"), title="CCCD")
    form = store.store_upload(owner=online.owner, by=online.owner,
                              upload=SimpleUploadedFile("to-khai.pdf", OTHER_PDF), title="Tờ khai")
    dossier = draft_of(online)
    client.force_login(online.owner)
    page = client.get(reverse("dossiers:submit-document", args=[dossier.pk, 1])).content.decode()
    assert "Đính kèm từ kho giấy tờ của tôi" in page and "CCCD" in page
    for index, stored in ((1, form), (2, cccd)):
        response = client.post(reverse("online:attach-from-store", args=[dossier.pk, index]), {"stored": stored.pk})
        assert response.status_code == 302
    attachments = list(Attachment.objects.filter(dossier=dossier).order_by("id"))
    assert [a.reused for a in attachments] == [True, True]
    assert [a.sha256 for a in attachments] == [form.sha256, cccd.sha256]
    assert [a.required_document.order for a in attachments] == [1, 2]
    assert attachments[1].file.read() == TINY_PDF and attachments[1].file.name != cccd.file.name  # its own copy
    services.dossier_submit(dossier=dossier, by=online.owner)
    assert dossier.status == Status.SUBMITTED


def test_another_citizens_document_cannot_be_attached(client, online):
    theirs = store.store_upload(owner=online.other_citizen, by=online.other_citizen, upload=tiny_pdf())
    dossier = draft_of(online)
    client.force_login(online.owner)
    response = client.post(reverse("online:attach-from-store", args=[dossier.pk, 1]), {"stored": theirs.pk},
                           follow=True)
    assert "Hãy chọn một giấy tờ trong kho của bạn." in response.content.decode()
    assert not Attachment.objects.exists()
    with pytest.raises(NotAllowed):
        store.store_attach(dossier=dossier, by=online.owner, document=theirs)
    client.force_login(online.other_citizen)  # nor may its owner push it into someone else's dossier
    assert client.post(reverse("online:attach-from-store", args=[dossier.pk, 1]),
                       {"stored": theirs.pk}).status_code == 404


def test_a_submitted_dossiers_files_join_the_store(online, django_capture_on_commit_callbacks):
    dossier = draft_of(online)
    for document in dossier.case.documents.all():
        services.attachment_add(dossier=dossier, by=online.owner, upload=tiny_pdf(), required_document=document)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_submit(dossier=dossier, by=online.owner)
    stored = StoredDocument.objects.get(owner=online.owner)  # the same file twice is kept once
    assert stored.source == StoredDocumentSource.UPLOAD and stored.dossier == dossier
    assert stored.file.read() == TINY_PDF


def test_the_same_file_is_stored_once(online):
    first = store.store_upload(owner=online.owner, by=online.owner, upload=tiny_pdf("a.pdf"))
    again = store.store_upload(owner=online.owner, by=online.owner, upload=tiny_pdf("b.pdf"))
    assert first == again and StoredDocument.objects.count() == 1


def test_the_desk_digitises_paper_into_the_citizens_store(client, online):
    client.force_login(online.clerk)
    response = client.post(reverse("online:desk-digitise"), {
        "citizen": "038187042028", "title": "Giấy khai sinh (bản chính)", "file": tiny_pdf("scan.pdf")})
    assert response.status_code == 302
    stored = StoredDocument.objects.get()
    assert stored.owner == online.owner and stored.source == StoredDocumentSource.DESK
    assert stored.added_by == online.clerk and stored.title == "Giấy khai sinh (bản chính)"
    # The citizen finds it in their store and reuses it.
    client.force_login(online.owner)
    assert "Giấy khai sinh (bản chính)" in client.get(reverse("online:store")).content.decode()
    dossier = draft_of(online)
    attachment = store.store_attach(dossier=dossier, by=online.owner, document=stored,
                                    required_document=dossier.case.documents.first())
    assert attachment.reused


def test_digitising_needs_a_clerk_and_a_known_citizen(client, online):
    client.force_login(online.clerk)
    response = client.post(reverse("online:desk-digitise"), {
        "citizen": "001099999999", "title": "Giấy tờ", "file": tiny_pdf()})
    assert response.status_code == 400
    assert "Không tìm thấy tài khoản công dân" in response.content.decode()
    client.force_login(online.owner)
    assert client.post(reverse("online:desk-digitise"), {
        "citizen": "038187042028", "title": "Giấy tờ", "file": tiny_pdf()}).status_code == 403
    client.force_login(online.specialist)
    assert client.get(reverse("online:desk-digitise")).status_code == 403
    assert not StoredDocument.objects.exists()


def test_the_store_page_shows_only_ones_own_files(client, online, django_assert_max_num_queries):
    for i in range(5):
        store.store_upload(owner=online.owner, by=online.owner,
                           upload=SimpleUploadedFile(f"f{i}.pdf", TINY_PDF + b"%" + bytes([65 + i])), title=f"Mine {i}")
    theirs = store.store_upload(owner=online.other_citizen, by=online.other_citizen, upload=tiny_pdf(),
                                title="Theirs")
    client.force_login(online.owner)
    client.get(reverse("online:store"))
    # session, user, groups (role check, nav), the store
    with django_assert_max_num_queries(6):
        page = client.get(reverse("online:store")).content.decode()
    assert "Mine 4" in page and "Theirs" not in page
    assert client.get(reverse("online:store-file", args=[theirs.pk])).status_code == 404
    mine = StoredDocument.objects.filter(owner=online.owner).first()
    response = client.get(reverse("online:store-file", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox"


def test_a_bad_file_is_refused_with_a_clear_message(client, online):
    client.force_login(online.owner)
    response = client.post(reverse("online:store"), {"file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" * 20)})
    assert response.status_code == 400
    assert "không phải là một loại tệp được chấp nhận" in response.content.decode()


def test_removing_from_the_store_keeps_the_dossiers_copy(client, online):
    stored = store.store_upload(owner=online.owner, by=online.owner, upload=tiny_pdf())
    dossier = draft_of(online)
    attachment = store.store_attach(dossier=dossier, by=online.owner, document=stored,
                                    required_document=dossier.case.documents.first())
    client.force_login(online.other_citizen)
    assert client.post(reverse("online:store-remove", args=[stored.pk])).status_code == 404
    client.force_login(online.owner)
    assert client.post(reverse("online:store-remove", args=[stored.pk])).status_code == 302
    assert not StoredDocument.objects.exists()
    attachment.refresh_from_db()
    assert attachment.file.read() == TINY_PDF
