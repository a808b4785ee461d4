"""The seam for national single sign-on (VNeID through OpenID Connect).

A later issue plugs an OIDC client in front of this function; everything after the identity
provider's verified claims is here, so the rest of the portal never knows how a citizen signed in.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from .models import User
from .roles import Role
from .validators import MOBILE_RE, normalize_phone


@transaction.atomic
def citizen_from_identity_claims(claims: dict) -> User:
    """Find or create the citizen the provider vouched for; the CCCD claim links to an existing account."""
    subject = claims["sub"]
    cccd = claims.get(settings.OIDC_CLAIM_CCCD) or None
    user = User.objects.filter(oidc_subject=subject).first()
    if user is None and cccd:
        user = User.objects.filter(cccd=cccd).first()
    if user is None:
        user = User(username=f"vneid-{subject}"[:150])
        user.set_unusable_password()
    user.oidc_subject = subject
    user.full_name = claims.get("name") or user.full_name
    # Identifiers the provider sends are taken only when no other account holds them: a phone or
    # e-mail registered by someone else must not make the national sign-on fail or steal that login.
    others = User.objects.exclude(pk=user.pk) if user.pk else User.objects.all()
    if cccd and not others.filter(cccd=cccd).exists():
        user.cccd = cccd
        user.identity_verified = True
    email = (claims.get("email") or "").strip()
    if email and not others.filter(email__iexact=email).exists():
        user.email = email
    phone = normalize_phone(claims.get("phone_number") or "")
    if phone and MOBILE_RE.match(phone) and not others.filter(phone=phone).exists():
        user.phone = phone
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.CITIZEN)[0])
    return user
