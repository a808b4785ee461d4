"""Scoped downloads of attachments and issued PDFs: owner and staff in scope only."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from dossiers.models import FormKind, IssuedDocument
from tests.factories import TINY_PDF, AgencyFactory, DossierFactory, UserFactory, citizen, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory()


@pytest.fixture
def dossier(agency):
    return DossierFactory(receiving_agency=agency, received=True)


@pytest.fixture
def receipt(dossier, agency):
    doc = IssuedDocument(kind=FormKind.RECEIPT, number="15/TN", dossier=dossier, agency=agency,
                         sha256=hashlib.sha256(TINY_PDF).hexdigest(), issued_at=timezone.now())
    doc.file.save("phieu.pdf", ContentFile(TINY_PDF), save=False)
    doc.save()
    return doc


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_owner_downloads_their_attachment(client, dossier):
    attachment = dossier.attachments.first()
    client.force_login(dossier.submitted_by)
    response = client.get(reverse("dossiers:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert body(response) == TINY_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_staff_in_scope_download_and_outsiders_do_not(client, dossier, agency):
    attachment = dossier.attachments.first()
    url = reverse("dossiers:attachment", args=[attachment.pk])
    client.force_login(staff_of(agency, Role.SPECIALIST))
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(role=Role.SPECIALIST, agency=AgencyFactory()))
    assert client.get(url).status_code == 403
    client.force_login(citizen())
    assert client.get(url).status_code == 404  # another citizen does not learn it exists


def test_anonymous_is_sent_to_login(client, dossier, receipt):
    for url in (reverse("dossiers:attachment", args=[dossier.attachments.first().pk]),
                reverse("dossiers:document", args=[receipt.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_issued_document_for_owner_and_staff_only(client, dossier, receipt, agency):
    url = reverse("dossiers:document", args=[receipt.pk])
    client.force_login(dossier.submitted_by)
    response = client.get(url)
    assert response.status_code == 200 and body(response) == TINY_PDF
    assert response["Content-Disposition"].startswith("inline")
    client.force_login(staff_of(agency, Role.CLERK))
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(role=Role.LEADER, agency=AgencyFactory()))
    assert client.get(url).status_code == 403
    client.force_login(citizen())
    assert client.get(url).status_code == 404


def test_issued_documents_are_listed_on_both_dossier_pages(client, dossier, receipt, agency):
    link = reverse("dossiers:document", args=[receipt.pk])
    client.force_login(dossier.submitted_by)
    assert link in client.get(reverse("dossiers:my-dossier", args=[dossier.pk])).content.decode()
    client.force_login(staff_of(agency, Role.SPECIALIST))
    assert link in client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()


def test_tracking_book_without_dossier_by_agency_scope(client, agency):
    book = IssuedDocument(kind=FormKind.TRACKING_BOOK, number="07/2026", agency=agency, sha256="0" * 64,
                          issued_at=timezone.now())
    book.file.save("so.pdf", ContentFile(TINY_PDF), save=False)
    book.save()
    url = reverse("dossiers:document", args=[book.pk])
    client.force_login(staff_of(agency, Role.CLERK))
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(role=Role.CLERK, agency=AgencyFactory()))
    assert client.get(url).status_code == 403


def test_missing_file_is_404_not_500(client, dossier):
    attachment = dossier.attachments.first()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(dossier.submitted_by)
    assert client.get(reverse("dossiers:attachment", args=[attachment.pk])).status_code == 404
