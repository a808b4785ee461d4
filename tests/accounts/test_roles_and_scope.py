import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AgencyKind
from accounts.permissions import agency_subtree_ids, in_scope, require_role, require_scope, scope_agency_ids
from accounts.roles import Role
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Province > (centre, department) and two communes; a legacy district with a commune under it."""
    province = AgencyFactory(code="000.00.00.H56", name="UBND tỉnh", kind=AgencyKind.PROVINCE)
    centre = AgencyFactory(code="000.00.06.H56", name="Trung tâm PVHCC", kind=AgencyKind.DEPARTMENT, parent=province)
    justice = AgencyFactory(code="000.00.15.H56", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, parent=province)
    ward = AgencyFactory(code="000.20.01.H56", name="UBND phường Hạc Thành", kind=AgencyKind.COMMUNE, parent=province)
    other = AgencyFactory(code="000.20.02.H56", name="UBND phường Hàm Rồng", kind=AgencyKind.COMMUNE, parent=province)
    district = AgencyFactory(code="000.17.00.H56", name="UBND huyện cũ", kind=AgencyKind.DISTRICT, parent=province)
    old_commune = AgencyFactory(code="000.17.22.H56", name="UBND xã cũ", kind=AgencyKind.COMMUNE, parent=district)
    return {
        "province": province, "centre": centre, "justice": justice, "ward": ward, "other": other,
        "district": district, "old_commune": old_commune,
    }


def ids(tree, *names):
    return {tree[n].id for n in names}


def test_subtree_walks_every_level(tree):
    assert agency_subtree_ids(tree["province"].id) == ids(tree, *tree)
    assert agency_subtree_ids(tree["district"].id) == ids(tree, "district", "old_commune")
    assert agency_subtree_ids(tree["ward"].id) == ids(tree, "ward")
    assert agency_subtree_ids(None) == set()


def test_province_leader_sees_the_whole_subtree(tree):
    leader = UserFactory(role=Role.LEADER, agency=tree["province"])
    assert scope_agency_ids(leader) == ids(tree, *tree)


def test_commune_leader_never_sees_another_commune(tree):
    leader = UserFactory(role=Role.LEADER, agency=tree["ward"])
    assert scope_agency_ids(leader) == ids(tree, "ward")
    assert in_scope(leader, tree["ward"].id)
    assert not in_scope(leader, tree["other"].id)
    assert not in_scope(leader, tree["province"].id)
    with pytest.raises(PermissionDenied):
        require_scope(leader, tree["other"].id)


@pytest.mark.parametrize("role", [Role.CLERK, Role.SPECIALIST])
def test_clerk_and_specialist_see_their_own_agency_only(tree, role):
    user = UserFactory(role=role, agency=tree["province"])
    assert scope_agency_ids(user) == ids(tree, "province")
    assert not in_scope(user, tree["ward"].id)


def test_staff_without_an_agency_see_nothing(tree):
    assert scope_agency_ids(UserFactory(role=Role.CLERK)) == set()
    assert scope_agency_ids(UserFactory(role=Role.CITIZEN)) == set()


def test_portal_administrators_see_everything(tree):
    assert scope_agency_ids(UserFactory(is_superuser=True)) is None
    assert scope_agency_ids(UserFactory(role=Role.ADMIN)) is None
    assert in_scope(UserFactory(role=Role.ADMIN), tree["other"].id)


def test_an_agency_administrator_sees_the_agency_subtree(tree):
    admin = UserFactory(role=Role.ADMIN, agency=tree["district"])
    assert scope_agency_ids(admin) == ids(tree, "district", "old_commune")


def test_roles_come_from_groups():
    clerk = UserFactory(role=Role.CLERK)
    assert clerk.roles == {Role.CLERK}
    assert clerk.has_role(Role.CLERK, Role.LEADER)
    assert not clerk.has_role(Role.LEADER)
    assert clerk.is_portal_staff
    citizen = UserFactory(role=Role.CITIZEN)
    assert not citizen.is_portal_staff
    assert not UserFactory().roles


def test_superuser_holds_every_role():
    root = UserFactory(is_superuser=True)
    assert root.roles == set(Role.values)
    assert root.is_portal_staff


def test_require_role_refuses_the_wrong_role_and_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    require_role(UserFactory(role=Role.CLERK), [Role.CLERK])
    with pytest.raises(PermissionDenied, match="không có quyền"):
        require_role(UserFactory(role=Role.CITIZEN), [Role.CLERK])
    with pytest.raises(PermissionDenied):
        require_role(AnonymousUser(), [Role.CLERK])
