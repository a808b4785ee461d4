"""Electronic results: the agency uploads the signed PDF, the owner downloads it (logged); nobody else does."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.errors import Conflict, DomainError, NotAllowed
from dossiers import results
from dossiers.models import ResultDownload, Status, StepLog, StoredDocument, StoredDocumentSource
from tests.factories import TINY_PDF, tiny_pdf

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


@pytest.fixture
def approved(online):
    return online.dossier(result_ready=True, delivery="online")


def upload(client, dossier, file):
    return client.post(reverse("online:result-upload", args=[dossier.pk]), {"file": file})


def test_the_desk_uploading_an_approved_result_returns_it_online(client, online, approved):
    client.force_login(online.clerk)
    response = upload(client, approved, tiny_pdf("ket-qua.pdf"))
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == Status.RETURNED and approved.returned_at and approved.result_file
    log = StepLog.objects.get(dossier=approved, action="return_result")
    assert log.facts["delivery"] == "online" and log.by == online.clerk
    stored = StoredDocument.objects.get(owner=online.owner, source=StoredDocumentSource.RESULT)
    assert stored.dossier == approved and stored.file.read() == TINY_PDF


def test_a_result_prepared_during_processing_waits_for_approval_and_the_desk(client, online):
    dossier = online.dossier(awaiting_approval=True, delivery="online")
    results.result_upload(dossier=dossier, by=online.specialist, upload=tiny_pdf())
    assert dossier.status == Status.PROCESSING and dossier.result_file
    # Not the citizen's yet: the leader has not signed.
    assert not results.may_download_result(online.owner, dossier)
    from dossiers import services

    services.dossier_approve(dossier=dossier, by=online.leader)
    assert dossier.status == Status.RESULT_READY and results.may_download_result(online.owner, dossier)
    client.force_login(online.clerk)
    assert "Trả kết quả trực tuyến" in client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    response = client.post(reverse("online:result-return", args=[dossier.pk]))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_returning_online_needs_the_file_and_online_delivery(online):
    with pytest.raises(Conflict, match="chưa có kết quả điện tử"):
        results.result_return_online(dossier=online.dossier(result_ready=True, delivery="online"), by=online.clerk)
    at_desk = online.dossier(result_ready=True, delivery="desk")
    results.result_upload(dossier=at_desk, by=online.clerk, upload=tiny_pdf())
    assert at_desk.status == Status.RESULT_READY  # the paper is handed over at the desk
    with pytest.raises(Conflict, match="không chọn nhận kết quả trực tuyến"):
        results.result_return_online(dossier=at_desk, by=online.clerk)


def test_only_a_pdf_is_accepted_as_a_signed_result(online, approved):
    with pytest.raises(DomainError, match="phải là tệp PDF"):
        results.result_upload(dossier=approved, by=online.clerk,
                              upload=SimpleUploadedFile("ket-qua.png", PNG, content_type="image/png"))
    approved.refresh_from_db()
    assert not approved.result_file and approved.status == Status.RESULT_READY


def test_staff_of_another_agency_and_citizens_cannot_upload(client, online, approved):
    with pytest.raises(NotAllowed):
        results.result_upload(dossier=approved, by=online.clerk_elsewhere, upload=tiny_pdf())
    with pytest.raises(NotAllowed):
        results.result_upload(dossier=approved, by=online.owner, upload=tiny_pdf())
    client.force_login(online.clerk_elsewhere)
    assert upload(client, approved, tiny_pdf()).status_code == 403
    client.force_login(online.owner)
    assert upload(client, approved, tiny_pdf()).status_code == 403
    approved.refresh_from_db()
    assert not approved.result_file


def test_no_result_on_a_finished_dossier(online):
    refused = online.dossier(refused=True)
    with pytest.raises(Conflict):
        results.result_upload(dossier=refused, by=online.clerk, upload=tiny_pdf())


@pytest.fixture
def returned(online, approved):
    results.result_upload(dossier=approved, by=online.clerk, upload=tiny_pdf("ket-qua.pdf"))
    return approved


def test_the_owner_downloads_the_result_and_the_access_is_logged(client, online, returned):
    client.force_login(online.owner)
    page = client.get(reverse("dossiers:my-dossier", args=[returned.pk])).content.decode()
    assert "Tải kết quả điện tử" in page
    response = client.get(reverse("online:result-download", args=[returned.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == TINY_PDF
    assert response["Cache-Control"] == "private, no-store"
    entry = ResultDownload.objects.get()
    assert entry.user == online.owner and entry.dossier == returned and entry.remote_addr == "10.1.2.3"


@pytest.mark.parametrize("who", ["other_citizen", "clerk_elsewhere"])
def test_another_citizen_or_another_agencys_staff_cannot_download(client, online, returned, who):
    client.force_login(getattr(online, who))
    assert client.get(reverse("online:result-download", args=[returned.pk])).status_code == 404
    assert not ResultDownload.objects.exists()


def test_anonymous_cannot_download(client, returned):
    response = client.get(reverse("online:result-download", args=[returned.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not ResultDownload.objects.exists()


def test_staff_of_the_agency_may_open_the_result(client, online, returned):
    client.force_login(online.specialist)
    assert client.get(reverse("online:result-download", args=[returned.pk])).status_code == 200
    assert ResultDownload.objects.get().user == online.specialist


def test_tracking_shows_the_electronic_result_is_available(client, returned, django_assert_max_num_queries):
    url = reverse("dossiers:tracking-token", args=[returned.tracking_token])
    client.get(url)  # warm the calendar cache
    with django_assert_max_num_queries(2):
        page = client.get(url).content.decode()
    assert "Đã có kết quả điện tử" in page
