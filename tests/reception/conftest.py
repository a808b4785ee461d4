import pytest

from accounts.roles import Role
from reception.models import Counter, DeskService
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory, UserFactory


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def other_agency(db):
    return AgencyFactory()


@pytest.fixture
def clerk(agency):
    return UserFactory(role=Role.CLERK, agency=agency)


@pytest.fixture
def clerk2(agency):
    return UserFactory(role=Role.CLERK, agency=agency)


@pytest.fixture
def foreign_clerk(other_agency):
    return UserFactory(role=Role.CLERK, agency=other_agency)


@pytest.fixture
def service(agency):
    return DeskService.objects.create(agency=agency, letter="A", name="Hộ tịch, chứng thực")


@pytest.fixture
def service_b(agency):
    return DeskService.objects.create(agency=agency, letter="B", name="Đất đai", order=1)


def make_counter(agency, number, *services):
    counter = Counter.objects.create(agency=agency, number=number, name=f"Quầy {number}")
    counter.services.set(services)
    return counter


@pytest.fixture
def counter(agency, service):
    return make_counter(agency, 1, service)


@pytest.fixture
def counter2(agency, service):
    return make_counter(agency, 2, service)


@pytest.fixture
def procedure(agency):
    """Two required documents (the factory's): "Tờ khai theo mẫu" (1 original), "Giấy tờ tùy thân" (1 copy)."""
    proc = ProcedureFactory(name="Đăng ký khai sinh", fee_vnd=8000)
    proc.agencies.add(agency)
    return proc


@pytest.fixture
def documents(procedure):
    return list(procedure.current_version.cases.get().documents.order_by("order"))


APPLICANT = {"name": "Lê Thị Hoa", "id_type": "cccd", "id_number": "038190012345", "phone": "0912000111",
             "email": "hoa@example.vn", "address": "Số 5 Lê Lợi, phường Hạc Thành"}


@pytest.fixture
def applicant():
    return dict(APPLICANT)


def complete_checklist(documents):
    from reception.services import ChecklistEntry

    return [ChecklistEntry(name=d.name, required_document=d, received=True, originals=d.originals or 0,
                           certified_copies=d.copies or 0, photocopies=0 if (d.originals or d.copies) else 1)
            for d in documents]


@pytest.fixture
def online_dossier(agency, procedure):
    """An online dossier submitted by a citizen, waiting for the desk of ``agency``."""
    return DossierFactory(procedure=procedure, receiving_agency=agency, submitted=True)


@pytest.fixture
def result_ready(agency, procedure):
    return DossierFactory(procedure=procedure, receiving_agency=agency, walk_in=True, result_ready=True)
