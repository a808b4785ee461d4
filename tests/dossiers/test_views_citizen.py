"""'Hồ sơ của tôi': the list, one dossier's page, and withdrawal."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from dossiers.models import Dossier, Status
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory, UserFactory, citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory()


@pytest.fixture
def procedure(agency):
    procedure = ProcedureFactory(name="Đăng ký kết hôn")
    procedure.agencies.add(agency)
    return procedure


@pytest.fixture
def person():
    return citizen()


@pytest.fixture
def web(client, person):
    client.force_login(person)
    return client


def mine(person, procedure, agency, **traits):
    return DossierFactory(submitted_by=person, procedure=procedure, receiving_agency=agency, **traits)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dossiers:my-dossiers"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_list_shows_only_my_dossiers_with_status_and_actions(web, person, procedure, agency):
    draft = mine(person, procedure, agency)
    submitted = mine(person, procedure, agency, submitted=True)
    returned = mine(person, procedure, agency, returned=True)
    others = DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)
    page = web.get(reverse("dossiers:my-dossiers")).content.decode()
    assert submitted.code in page and returned.code in page
    assert others.code not in page
    assert "Mới đăng ký" in page and "Đã trả kết quả" in page and "Bản nháp" in page
    assert reverse("dossiers:submit-details", args=[draft.pk]) in page  # continue the draft
    assert reverse("dossiers:withdraw", args=[submitted.pk]) in page
    assert reverse("dossiers:withdraw", args=[returned.pk]) not in page  # a result exists: too late


def test_empty_list_points_to_the_catalog(web):
    page = web.get(reverse("dossiers:my-dossiers")).content.decode()
    assert "Bạn chưa có hồ sơ nào." in page


def test_list_is_paginated(web, person, procedure, agency):
    for _ in range(25):
        mine(person, procedure, agency)
    first = web.get(reverse("dossiers:my-dossiers")).content.decode()
    assert "Trang 1/2" in first
    second = web.get(reverse("dossiers:my-dossiers"), {"page": 2}).content.decode()
    assert second.count("Tiếp tục nộp") == 5


@pytest.mark.parametrize("count", [5, 50])
def test_list_runs_a_fixed_number_of_queries(web, person, procedure, agency, count, django_assert_max_num_queries):
    for i in range(count):
        mine(person, procedure, agency, **({"submitted": True} if i % 5 == 0 else {}))
    web.get(reverse("dossiers:my-dossiers"))  # warm the per-process calendar and session caches
    # session, user, groups (roles), count, page of dossiers
    with django_assert_max_num_queries(5):
        response = web.get(reverse("dossiers:my-dossiers"))
    assert response.status_code == 200


def test_my_dossier_page_shows_facts_files_and_timeline(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, received=True)
    page = web.get(reverse("dossiers:my-dossier", args=[dossier.pk])).content.decode()
    assert dossier.code in page and "Được tiếp nhận" in page
    assert "Tiếp nhận hồ sơ" in page and "Nộp hồ sơ" in page  # the timeline
    attachment = dossier.attachments.first()
    assert reverse("dossiers:attachment", args=[attachment.pk]) in page


def test_supplement_request_is_shown_to_the_citizen(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, supplement=True)
    page = web.get(reverse("dossiers:my-dossier", args=[dossier.pk])).content.decode()
    assert "Hồ sơ cần bổ sung" in page and "Bản chụp bị mờ" in page


def test_my_dossier_of_someone_else_is_404(client, person, procedure, agency):
    dossier = mine(person, procedure, agency, submitted=True)
    client.force_login(citizen())
    assert client.get(reverse("dossiers:my-dossier", args=[dossier.pk])).status_code == 404
    assert client.get(reverse("dossiers:withdraw", args=[dossier.pk])).status_code == 404


def test_my_draft_opens_the_journey(web, person, procedure, agency):
    draft = mine(person, procedure, agency)
    response = web.get(reverse("dossiers:my-dossier", args=[draft.pk]))
    assert response["Location"] == reverse("dossiers:submit-details", args=[draft.pk])


def test_withdraw_asks_for_confirmation_and_a_reason(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, received=True)
    url = reverse("dossiers:withdraw", args=[dossier.pk])
    page = web.get(url).content.decode()
    assert "Xác nhận rút hồ sơ" in page
    response = web.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Hãy cho biết lý do rút hồ sơ." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RECEIVED


def test_withdraw_goes_through_the_workflow(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, processing=True)
    response = web.post(reverse("dossiers:withdraw", args=[dossier.pk]), {"reason": "Đã làm ở nơi khác"})
    assert response["Location"] == reverse("dossiers:my-dossiers")
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    assert dossier.outcome_reason == "Đã làm ở nơi khác"
    assert dossier.steps.filter(action="withdraw", by=person).exists()


def test_withdraw_after_the_result_is_refused(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, result_ready=True)
    url = reverse("dossiers:withdraw", args=[dossier.pk])
    response = web.get(url)
    assert response.status_code == 409
    assert "không thể rút được nữa" in response.content.decode()
    response = web.post(url, {"reason": "Muộn rồi"})
    assert response.status_code == 409
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY


def test_staff_see_an_empty_list_not_someone_elses(client, person, procedure, agency):
    mine(person, procedure, agency, submitted=True)
    client.force_login(UserFactory(role=Role.CLERK, agency=agency))
    page = client.get(reverse("dossiers:my-dossiers")).content.decode()
    assert "Bạn chưa có hồ sơ nào." in page


# --- answering a supplement request online ---------------------------------------------------------------------


def pdf(name="bo-sung.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import TINY_PDF

    return SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf")


def test_citizen_answers_a_supplement_request_online(web, person, procedure, agency):
    dossier = mine(person, procedure, agency, supplement=True)
    page = web.get(reverse("dossiers:my-dossier", args=[dossier.pk])).content.decode()
    url = reverse("dossiers:supplement", args=[dossier.pk])
    assert url in page
    assert "Bản chụp bị mờ" in web.get(url).content.decode()

    response = web.post(url, {"done": "1"})  # nothing added yet
    assert response.status_code == 400
    assert "Hãy tải lên ít nhất một tệp bổ sung" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT

    document = dossier.case.documents.get(order=2)
    response = web.post(url, {"required_document": document.pk, "files": [pdf()], "copy_kind": "photocopy",
                              "upload": "1"})
    assert response["Location"] == url
    added = dossier.attachments.get(original_name="bo-sung.pdf")
    assert (added.required_document, added.uploaded_by) == (document, person)

    response = web.post(url, {"done": "1"})
    assert response["Location"] == reverse("dossiers:my-dossier", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # back where the request stopped it
    assert dossier.steps.filter(action="complete_supplement", by=person).exists()


def test_supplement_upload_refuses_a_bad_file(web, person, procedure, agency):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = mine(person, procedure, agency, supplement=True)
    before = dossier.attachments.count()
    fake = SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = web.post(reverse("dossiers:supplement", args=[dossier.pk]),
                        {"files": [fake], "copy_kind": "photocopy", "upload": "1"})
    assert response.status_code == 400
    assert "không phải là một loại tệp được chấp nhận" in response.content.decode()
    assert dossier.attachments.count() == before


def test_supplement_page_only_while_a_supplement_is_asked(client, web, person, procedure, agency):
    dossier = mine(person, procedure, agency, processing=True)
    response = web.get(reverse("dossiers:supplement", args=[dossier.pk]))
    assert response["Location"] == reverse("dossiers:my-dossier", args=[dossier.pk])
    waiting = mine(person, procedure, agency, supplement=True)
    client.force_login(citizen())
    assert client.post(reverse("dossiers:supplement", args=[waiting.pk]), {"done": "1"}).status_code == 404
    assert Dossier.objects.get(pk=waiting.pk).status == Status.SUPPLEMENT
