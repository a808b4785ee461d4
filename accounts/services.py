from django.contrib.auth.models import Group
from django.db import transaction

from .models import User
from .roles import Role


@transaction.atomic
def citizen_register(*, full_name: str, phone: str, cccd: str, password: str, email: str = "") -> User:
    user = User(username=phone, full_name=full_name, phone=phone, cccd=cccd, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.CITIZEN)[0])
    return user


def ensure_role_groups() -> None:
    for role in Role.values:
        Group.objects.get_or_create(name=role)
