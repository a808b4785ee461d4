import pytest

from accounts.identity import citizen_from_identity_claims
from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def claims(**extra):
    return {"sub": "vneid-subject-1", "cccd": "038090012345", "name": "Lê Văn Minh", **extra}


def test_existing_account_is_linked_by_cccd(settings):
    settings.OIDC_CLAIM_CCCD = "cccd"
    existing = UserFactory(cccd="038090012345", phone="0912345678", full_name="Le Van Minh")
    user = citizen_from_identity_claims(claims())
    assert user == existing
    user.refresh_from_db()
    assert user.oidc_subject == "vneid-subject-1"
    assert user.identity_verified
    assert user.full_name == "Lê Văn Minh"
    assert user.phone == "0912345678"
    assert Role.CITIZEN in user.roles
    assert User.objects.count() == 1


def test_new_citizen_is_created_without_a_usable_password():
    user = citizen_from_identity_claims(claims(email="minh@example.vn", phone_number="+84912345678"))
    assert user.username == "vneid-vneid-subject-1"
    assert (user.cccd, user.email, user.phone) == ("038090012345", "minh@example.vn", "0912345678")
    assert user.identity_verified
    assert not user.has_usable_password()
    assert user.roles == {Role.CITIZEN}


def test_the_same_subject_signs_in_to_the_same_account_again():
    first = citizen_from_identity_claims(claims())
    again = citizen_from_identity_claims(claims(name="Lê Văn Minh Mới"))
    assert again.pk == first.pk
    assert User.objects.count() == 1
    assert User.objects.get().full_name == "Lê Văn Minh Mới"


def test_the_cccd_claim_name_is_configurable(settings):
    settings.OIDC_CLAIM_CCCD = "personal_id"
    existing = UserFactory(cccd="038090012345")
    assert citizen_from_identity_claims({"sub": "s-2", "personal_id": "038090012345"}) == existing


def test_contact_details_held_by_another_account_are_not_taken():
    other = UserFactory(phone="0912345678", email="minh@example.vn")
    user = citizen_from_identity_claims(claims(phone_number="0912345678", email="MINH@example.vn"))
    assert user != other
    assert user.phone is None
    assert user.email == ""
    other.refresh_from_db()
    assert other.phone == "0912345678"


def test_without_a_cccd_claim_the_account_is_not_marked_verified():
    user = citizen_from_identity_claims({"sub": "s-3", "name": "Khách"})
    assert not user.identity_verified
    assert user.cccd is None
