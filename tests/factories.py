"""factory_boy factories shared by every test package. App-specific helpers live in tests/<app>/conftest.py."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import Agency, AgencyKind, User
from accounts.roles import Role
from procedures.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureCase,
    ProcedureVersion,
    RequiredDocument,
)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.{n // 100:02d}.{n % 100:02d}.H56")
    name = factory.Sequence(lambda n: f"UBND xã Thử Nghiệm {n}")
    kind = AgencyKind.COMMUNE


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role=Role.CLERK, agency=agency)``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    password = factory.django.Password("matkhau-Manh-2026")

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            user.__dict__.pop("roles", None)
        return user


def citizen(**kw) -> User:
    return UserFactory(role=Role.CITIZEN, **kw)


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"linh-vuc-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A procedure with a current version, one case (5 working days) and two required documents."""

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"1.{n:06d}")
    name = factory.Sequence(lambda n: f"Đăng ký thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    level = Level.COMMUNE
    online_level = OnlineLevel.PARTIAL
    accepts_online = True
    fee_vnd = 0

    class Params:
        time_limit = Decimal(5)
        time_unit = "working_days"

    @factory.post_generation
    def with_case(obj, create, extracted, **kwargs):
        if not create:
            return
        version = ProcedureVersion.objects.create(procedure=obj, decision_number="QĐ thử nghiệm")
        case = ProcedureCase.objects.create(
            version=version,
            legal_time=kwargs.get("time_limit", Decimal(5)),
            time_unit=kwargs.get("time_unit", "working_days"),
        )
        RequiredDocument.objects.create(case=case, order=1, name="Tờ khai theo mẫu", originals=1)
        RequiredDocument.objects.create(case=case, order=2, name="Giấy tờ tùy thân", copies=1)
        obj.current_version = version
        obj.save(update_fields=["current_version"])
