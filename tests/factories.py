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


# --- Dossiers: one trait per lifecycle state, built through the real services (dossiers/services.py) ---------

# The smallest file `filetype` recognises as a PDF: what the factories attach for each required document.
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Which actions lead to each state (the shortest realistic path).
_DOSSIER_PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "supplement_at_reception": ["submit", "request_supplement"],
    "refused": ["submit", "refuse"],
    "withdrawn": ["submit", "withdraw"],
    "received": ["submit", "receive"],
    "processing": ["submit", "receive", "assign"],
    "supplement": ["submit", "receive", "assign", "request_supplement"],
    "financial": ["submit", "receive", "assign", "request_financial"],
    "awaiting_approval": ["submit", "receive", "assign", "send_for_approval"],
    "result_ready": ["submit", "receive", "assign", "send_for_approval", "approve"],
    "returned": ["submit", "receive", "assign", "send_for_approval", "approve", "return_result"],
    "stopped": ["submit", "receive", "assign", "stop"],
}


def staff_of(agency, role):
    """The first user with ``role`` at ``agency``, created when there is none."""
    user = User.objects.filter(agency=agency, groups__name=role, is_active=True).order_by("pk").first()
    return user or UserFactory(role=role, agency=agency)


def tiny_pdf(name="giay-to.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf")


def advance_dossier(dossier, state):
    """Move a draft along ``_DOSSIER_PATHS[state]`` with the services, acting as the right people."""
    from dossiers import services

    clerk = staff_of(dossier.receiving_agency, Role.CLERK)
    owner = dossier.submitted_by or clerk
    for action in _DOSSIER_PATHS[state]:
        specialist = staff_of(dossier.current_agency, Role.SPECIALIST)
        leader = staff_of(dossier.current_agency, Role.LEADER)
        if action == "submit":
            if dossier.case_id:
                for document in dossier.case.documents.filter(is_required=True):
                    services.attachment_add(dossier=dossier, by=owner, upload=tiny_pdf(), required_document=document)
            services.dossier_submit(dossier=dossier, by=owner)
        elif action == "request_supplement":
            services.dossier_request_supplement(
                dossier=dossier, by=clerk if dossier.received_at is None else specialist,
                items=[{"document": "Giấy tờ tùy thân", "reason": "Bản chụp bị mờ, không đọc được số"}])
        elif action == "refuse":
            services.dossier_refuse(dossier=dossier, by=clerk, reason="Không thuộc thẩm quyền giải quyết",
                                    legal_basis="Điều 19 Nghị định 118/2025/NĐ-CP")
        elif action == "withdraw":
            services.dossier_withdraw(dossier=dossier, by=owner, reason="Công dân không còn nhu cầu")
        elif action == "receive":
            services.dossier_receive(dossier=dossier, by=clerk)
        elif action == "assign":
            services.dossier_assign(dossier=dossier, by=leader, assignee=specialist)
        elif action == "request_financial":
            services.dossier_request_financial(dossier=dossier, by=specialist, amount_vnd=1_500_000)
        elif action == "send_for_approval":
            services.dossier_send_for_approval(dossier=dossier, by=specialist, result_summary="Đủ điều kiện cấp")
        elif action == "approve":
            services.dossier_approve(dossier=dossier, by=leader)
        elif action == "return_result":
            services.dossier_return_result(dossier=dossier, by=clerk, collected_by_name=dossier.applicant_name,
                                           collected_by_id_number=dossier.applicant_id_number)
        elif action == "stop":
            services.dossier_stop(dossier=dossier, by=leader, reason="Công dân không bổ sung đúng hạn")
    return dossier


def make_overdue(dossier, *, days_ago=30):
    """Pretend the dossier was received ``days_ago`` days ago: its appointment is now in the past."""
    import datetime as dt

    from django.utils import timezone

    from dossiers import deadlines
    from dossiers.models import Dossier

    received = timezone.now() - dt.timedelta(days=days_ago)
    due = deadlines.due_at(start=received, limit=dossier.time_limit, unit=dossier.time_unit,
                           agency=dossier.receiving_agency)
    # Test data about time, not a status change: a plain update, no workflow.
    Dossier.objects.filter(pk=dossier.pk).update(received_at=received, due_at=due, original_due_at=due,
                                                 step_due_at=due, submitted_at=received)
    dossier.refresh_from_db()
    return dossier


class DossierFactory(factory.django.DjangoModelFactory):
    """``DossierFactory()`` is an online draft; a trait per state moves it through the real workflow:
    ``DossierFactory(received=True)``, ``processing``, ``supplement`` (asked during processing),
    ``supplement_at_reception``, ``financial``, ``awaiting_approval``, ``result_ready``, ``returned``,
    ``refused``, ``withdrawn``, ``stopped``; add ``overdue=True`` for one received 30 days ago.
    ``walk_in=True`` makes it a desk dossier (no citizen account; the clerk files and submits it).
    Staff who act are found or created at the agencies (``staff_of``)."""

    class Meta:
        model = "dossiers.Dossier"
        skip_postgeneration_save = True

    procedure = factory.SubFactory(ProcedureFactory)
    case = factory.LazyAttribute(lambda o: o.procedure.current_version.cases.order_by("order", "pk").first())
    receiving_agency = factory.SubFactory(AgencyFactory)
    current_agency = factory.SelfAttribute("receiving_agency")
    submitted_by = factory.SubFactory(UserFactory, role=Role.CITIZEN)
    channel = "online"
    delivery = "desk"
    status = "draft"
    applicant_name = factory.Sequence(lambda n: f"Trần Thị Hồ Sơ {n}")
    applicant_id_type = "cccd"
    applicant_id_number = factory.Sequence(lambda n: f"001190{n % 1_000_000:06d}")
    applicant_phone = factory.Sequence(lambda n: f"038{n % 10_000_000:07d}")
    applicant_email = factory.Sequence(lambda n: f"hoso{n}@example.vn")
    applicant_address = "Số 1 đường Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa"
    state = "draft"
    overdue = False

    class Params:
        walk_in = factory.Trait(channel="desk", submitted_by=None)
        submitted = factory.Trait(state="submitted")
        supplement_at_reception = factory.Trait(state="supplement_at_reception")
        refused = factory.Trait(state="refused")
        withdrawn = factory.Trait(state="withdrawn")
        received = factory.Trait(state="received")
        processing = factory.Trait(state="processing")
        supplement = factory.Trait(state="supplement")
        financial = factory.Trait(state="financial")
        awaiting_approval = factory.Trait(state="awaiting_approval")
        result_ready = factory.Trait(state="result_ready")
        returned = factory.Trait(state="returned")
        stopped = factory.Trait(state="stopped")

    @classmethod
    def _create(cls, model_class, *args, state="draft", overdue=False, **kwargs):
        if kwargs.get("channel") != "online" and kwargs.get("submitted_by") is None:
            kwargs.setdefault("filed_by", staff_of(kwargs["receiving_agency"], Role.CLERK))
        dossier = super()._create(model_class, *args, **kwargs)
        advance_dossier(dossier, state)
        if overdue:
            make_overdue(dossier)
        dossier.refresh_from_db()
        return dossier
