"""Dossier codes: format, daily sequence per agency, and no duplicate under parallel submissions."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from dossiers import services
from dossiers.codes import format_code, next_code
from dossiers.models import Attachment, DailySequence, Dossier, Status
from tests.factories import AgencyFactory, citizen, tiny_pdf

DAY = dt.date(2023, 10, 27)


def test_format_matches_the_national_example():
    assert format_code("000.00.06.H56", DAY, 361) == "000.00.06.H56-231027-0361"


@pytest.mark.django_db
def test_sequence_counts_per_agency_and_per_day():
    a, b = AgencyFactory(code="000.00.06.H56"), AgencyFactory(code="000.17.22.H56")
    assert [next_code(a, DAY) for _ in range(3)] == [
        "000.00.06.H56-231027-0001", "000.00.06.H56-231027-0002", "000.00.06.H56-231027-0003"]
    assert next_code(b, DAY) == "000.17.22.H56-231027-0001"
    assert next_code(a, DAY + dt.timedelta(days=1)) == "000.00.06.H56-231028-0001"


@pytest.mark.django_db
def test_the_day_is_the_vietnamese_day():
    agency = AgencyFactory(code="000.00.06.H56")
    # 23:30 UTC on 26/10 is already 06:30 on 27/10 in Hà Nội.
    moment = dt.datetime(2023, 10, 26, 23, 30, tzinfo=dt.UTC)
    assert next_code(agency, moment) == "000.00.06.H56-231027-0001"


@pytest.mark.django_db
def test_beyond_9999_a_day_the_number_widens_instead_of_failing():
    agency = AgencyFactory(code="000.00.06.H56")
    DailySequence.objects.create(agency=agency, day=DAY, last=9999)
    assert next_code(agency, DAY) == "000.00.06.H56-231027-10000"


@pytest.mark.django_db(transaction=True)
def test_a_code_outside_a_transaction_is_refused():
    agency = AgencyFactory()
    with pytest.raises(RuntimeError):
        next_code(agency, DAY)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_submissions_get_fifty_distinct_codes(world):
    owners = [citizen() for _ in range(50)]
    barrier = threading.Barrier(50, timeout=120)
    errors, ids = [], []

    def submit(owner):
        try:
            dossier = services.dossier_create_draft(
                procedure=world.procedure, by=owner,
                applicant={"name": owner.full_name, "phone": owner.phone, "id_number": "038087042028"})
            for document in dossier.case.documents.all():
                services.attachment_add(dossier=dossier, by=owner, upload=tiny_pdf(f"{owner.pk}.pdf"),
                                        required_document=document)
            barrier.wait()  # every thread submits at the same moment
            services.dossier_submit(dossier=dossier, by=owner)
            ids.append(dossier.pk)
        except Exception as exc:  # collected and asserted below: a thread's exception would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    dossiers = Dossier.objects.filter(pk__in=ids)
    codes = list(dossiers.values_list("code", flat=True))
    assert len(set(codes)) == 50
    assert set(dossiers.values_list("status", flat=True)) == {Status.SUBMITTED}
    day = timezone.localdate()
    assert sorted(codes) == [f"000.00.01.H99-{day:%y%m%d}-{n:04d}" for n in range(1, 51)]
    attachments = Attachment.objects.filter(dossier__in=ids)
    assert attachments.count() == 100
    for attachment in attachments:
        assert attachment.file.storage.exists(attachment.file.name)
        assert attachment.file.size == attachment.size
