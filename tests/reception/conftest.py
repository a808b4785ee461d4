import pytest

from accounts.roles import Role
from reception.models import Counter, DeskService
from tests.factories import AgencyFactory, UserFactory


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
