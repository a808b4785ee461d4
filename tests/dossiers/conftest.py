"""A small province for the dossier tests: a service centre that receives, departments that process.

    Tỉnh Thử Nghiệm (province P)
    ├── Trung tâm Phục vụ hành chính công (R: receives, the desk)
    ├── Sở Tư pháp (D: processes; the route sends received files here)
    └── Sở Tài nguyên và Môi trường (E: another department — liên thông, and "elsewhere")
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import Agency, AgencyKind, User
from accounts.roles import Role
from dossiers import services
from procedures.models import Procedure, RouteStep
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory, citizen, tiny_pdf


@dataclass
class World:
    province: Agency
    centre: Agency
    justice: Agency
    environment: Agency
    procedure: Procedure
    owner: User
    other_citizen: User
    clerk: User                  # desk of the centre (receiving agency)
    clerk_elsewhere: User        # a desk clerk of another department
    specialist: User             # Sở Tư pháp
    colleague: User              # another specialist of Sở Tư pháp
    specialist_elsewhere: User
    leader: User                 # Sở Tư pháp
    province_leader: User        # the province: every agency below it
    leader_elsewhere: User
    admin: User                  # portal administrator, no agency: everywhere
    admin_elsewhere: User        # administrator of one department only

    def draft(self, **applicant) -> "services.Dossier":
        data = {"name": "Lê Văn Công Dân", "id_type": "cccd", "id_number": "038087042028",
                "phone": "0912345678", "email": "congdan@example.vn", "address": "Phường Hạc Thành"}
        data.update(applicant)
        dossier = services.dossier_create_draft(procedure=self.procedure, by=self.owner, applicant=data)
        for document in dossier.case.documents.all():
            services.attachment_add(dossier=dossier, by=self.owner, upload=tiny_pdf(), required_document=document)
        return dossier


@pytest.fixture
def world(db) -> World:
    province = AgencyFactory(code="000.00.00.H99", name="UBND tỉnh Thử Nghiệm", kind=AgencyKind.PROVINCE)
    centre = AgencyFactory(code="000.00.01.H99", name="Trung tâm Phục vụ hành chính công tỉnh",
                           kind=AgencyKind.DEPARTMENT, parent=province)
    justice = AgencyFactory(code="000.00.02.H99", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, parent=province)
    environment = AgencyFactory(code="000.00.03.H99", name="Sở Tài nguyên và Môi trường",
                                kind=AgencyKind.DEPARTMENT, parent=province)
    procedure = ProcedureFactory(name="Cấp phiếu lý lịch tư pháp")
    procedure.agencies.add(centre)
    case = procedure.current_version.cases.get()
    # The internal route: the desk receives, a specialist appraises, the leader signs, the desk returns.
    RouteStep.objects.bulk_create([
        RouteStep(case=case, order=1, name="Tiếp nhận", role=Role.CLERK, agency=None, share_percent=Decimal(10)),
        RouteStep(case=case, order=2, name="Thẩm định", role=Role.SPECIALIST, agency=justice,
                  share_percent=Decimal(60)),
        RouteStep(case=case, order=3, name="Phê duyệt", role=Role.LEADER, agency=justice, share_percent=Decimal(20)),
        RouteStep(case=case, order=4, name="Trả kết quả", role=Role.CLERK, agency=None, share_percent=Decimal(10)),
    ])
    return World(
        province=province, centre=centre, justice=justice, environment=environment, procedure=procedure,
        owner=citizen(full_name="Lê Văn Công Dân"),
        other_citizen=citizen(),
        clerk=UserFactory(role=Role.CLERK, agency=centre, full_name="Cán bộ Một Cửa"),
        clerk_elsewhere=UserFactory(role=Role.CLERK, agency=environment),
        specialist=UserFactory(role=Role.SPECIALIST, agency=justice, full_name="Chuyên viên Tư Pháp"),
        colleague=UserFactory(role=Role.SPECIALIST, agency=justice),
        specialist_elsewhere=UserFactory(role=Role.SPECIALIST, agency=environment),
        leader=UserFactory(role=Role.LEADER, agency=justice, full_name="Giám đốc Sở Tư pháp"),
        province_leader=UserFactory(role=Role.LEADER, agency=province),
        leader_elsewhere=UserFactory(role=Role.LEADER, agency=environment),
        admin=UserFactory(role=Role.ADMIN, agency=None),
        admin_elsewhere=UserFactory(role=Role.ADMIN, agency=environment),
    )


def build_state(w: World, state: str):
    """A dossier of ``w`` in ``state``, reached through the services as the world's people would."""
    dossier = w.draft()
    path = {
        "draft": [],
        "submitted": ["submit"],
        "supplement_at_reception": ["submit", "supplement"],
        "refused": ["submit", "refuse"],
        "withdrawn": ["submit", "withdraw"],
        "received": ["submit", "receive"],
        "processing": ["submit", "receive", "assign"],
        "supplement": ["submit", "receive", "assign", "supplement"],
        "financial": ["submit", "receive", "assign", "financial"],
        "awaiting_approval": ["submit", "receive", "assign", "send"],
        "result_ready": ["submit", "receive", "assign", "send", "approve"],
        "returned": ["submit", "receive", "assign", "send", "approve", "return"],
        "stopped": ["submit", "receive", "assign", "stop"],
    }[state]
    items = [{"document": "Giấy tờ tùy thân", "reason": "Bản chụp bị mờ"}]
    for step in path:
        if step == "submit":
            services.dossier_submit(dossier=dossier, by=w.owner)
        elif step == "supplement":
            by = w.clerk if dossier.received_at is None else w.specialist
            services.dossier_request_supplement(dossier=dossier, by=by, items=items)
        elif step == "refuse":
            services.dossier_refuse(dossier=dossier, by=w.clerk, reason="Sai thẩm quyền", legal_basis="Điều 19")
        elif step == "withdraw":
            services.dossier_withdraw(dossier=dossier, by=w.owner, reason="Không còn nhu cầu")
        elif step == "receive":
            services.dossier_receive(dossier=dossier, by=w.clerk)
        elif step == "assign":
            services.dossier_assign(dossier=dossier, by=w.leader, assignee=w.specialist)
        elif step == "financial":
            services.dossier_request_financial(dossier=dossier, by=w.specialist, amount_vnd=200_000)
        elif step == "send":
            services.dossier_send_for_approval(dossier=dossier, by=w.specialist, result_summary="Đủ điều kiện")
        elif step == "approve":
            services.dossier_approve(dossier=dossier, by=w.leader)
        elif step == "return":
            services.dossier_return_result(dossier=dossier, by=w.clerk)
        elif step == "stop":
            services.dossier_stop(dossier=dossier, by=w.leader, reason="Hồ sơ giả mạo")
    dossier.refresh_from_db()
    return dossier


STATES = ("draft", "submitted", "supplement_at_reception", "refused", "withdrawn", "received", "processing",
          "supplement", "financial", "awaiting_approval", "result_ready", "returned", "stopped")


@pytest.fixture
def make_dossier(world):
    return lambda state="draft": build_state(world, state)
