"""A fully online procedure (toàn trình) with a fee, at one agency; its citizen, staff and one outsider each."""

from dataclasses import dataclass

import pytest

from accounts.models import Agency, User
from accounts.roles import Role
from procedures.models import OnlineLevel, Procedure
from tests.factories import AgencyFactory, DossierFactory, ProcedureFactory, UserFactory, citizen, staff_of

FEE = 100_000


@pytest.fixture(scope="session", autouse=True)
def _live_server_speaks_http():
    """The live server (OIDC round trip) speaks plain HTTP; SecurityMiddleware reads SECURE_SSL_REDIRECT once,
    when the session-wide live server starts, so it is switched off here, ahead of it (as tests/e2e does)."""
    from django.test.utils import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
        yield


@dataclass
class Online:
    agency: Agency
    other_agency: Agency
    procedure: Procedure
    owner: User
    other_citizen: User
    clerk: User
    specialist: User
    leader: User
    clerk_elsewhere: User

    def dossier(self, **kwargs):
        kwargs.setdefault("submitted", True)
        return DossierFactory(procedure=self.procedure, receiving_agency=self.agency, submitted_by=self.owner,
                              **kwargs)


@pytest.fixture
def online(db) -> Online:
    agency = AgencyFactory(code="000.00.06.H56", name="UBND phường Hạc Thành")
    other = AgencyFactory(code="000.00.07.H56", name="UBND phường Đông Sơn")
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", online_level=OnlineLevel.FULL,
                                 fee_vnd=FEE)
    procedure.agencies.add(agency)
    return Online(
        agency=agency, other_agency=other, procedure=procedure,
        owner=citizen(full_name="Lê Thị Mai", phone="0912345678", cccd="038187042028"),
        other_citizen=citizen(full_name="Phạm Văn Khác", phone="0987654321", cccd="038087000111"),
        clerk=staff_of(agency, Role.CLERK), specialist=staff_of(agency, Role.SPECIALIST),
        leader=staff_of(agency, Role.LEADER), clerk_elsewhere=UserFactory(role=Role.CLERK, agency=other),
    )
