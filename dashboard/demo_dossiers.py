"""Demo dossiers for `make run`: one commune's desk with work in every state, made through the real services.

Nothing here writes a status directly: each dossier walks the workflow as a clerk, a specialist and a leader
would, so the demo shows real codes, receipts, step logs, alerts and dashboard figures.
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import Agency, User
from dossiers import services
from dossiers.documents import issue_document
from dossiers.models import Dossier, FormKind
from procedures.models import Procedure

# Commune-level procedures with a time limit of a few working days (the seed catalog's codes).
DEMO_PROCEDURES = ("1.004837", "1.001022", "1.000656", "1.001193")

APPLICANTS = [
    ("Trần Thị Mai", "038185004211", "0987654321", "12 Lê Hoàn, phường Hạc Thành"),
    ("Lê Văn Hùng", "038082011034", "0905123456", "45 Trần Phú, phường Hạc Thành"),
    ("Phạm Thị Lan", "038193007788", "0356789012", "7 Quang Trung, phường Hạc Thành"),
    ("Hoàng Minh Tuấn", "038078003456", "0778123987", "88 Bà Triệu, phường Hạc Thành"),
    ("Vũ Thị Hằng", "038196005432", "0832456789", "21 Nguyễn Trãi, phường Hạc Thành"),
    ("Đỗ Quang Vinh", "038088009876", "0919876543", "3 Hàm Nghi, phường Hạc Thành"),
    ("Ngô Thị Thu", "038190002468", "0967234567", "60 Lý Thường Kiệt, phường Hạc Thành"),
    ("Bùi Văn Nam", "038085001357", "0398765432", "14 Tống Duy Tân, phường Hạc Thành"),
]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"


def seed_dossiers(*, agency: Agency, citizen: User, clerk: User, specialist: User, leader: User) -> int:
    """Create the demo work once (idempotent: does nothing when the commune already has dossiers)."""
    if Dossier.objects.filter(receiving_agency=agency).exists():
        return 0
    procedures = list(Procedure.objects.filter(code__in=DEMO_PROCEDURES, current_version__isnull=False))
    if not procedures:
        return 0
    created = 0
    with transaction.atomic():
        for index, (name, cccd, phone, address) in enumerate(APPLICANTS):
            procedure = procedures[index % len(procedures)]
            applicant = {"name": name, "id_type": "cccd", "id_number": cccd, "phone": phone, "address": address}
            dossier = services.desk_intake(procedure=procedure, by=clerk, applicant=applicant,
                                           checklist=_checklist(procedure))
            if index == 7:  # at the desk, documents missing: the written list, all at once
                services.dossier_request_supplement(dossier=dossier, by=clerk, items=[
                    {"document": "Giấy tờ tùy thân", "reason": "Bản chụp mờ, không đọc được số CCCD"}])
                issue_document(kind=FormKind.SUPPLEMENT, dossier=dossier, by=clerk)
                created += 1
                continue
            services.dossier_receive(dossier=dossier, by=clerk, to_agency=agency)
            issue_document(kind=FormKind.RECEIPT, dossier=dossier, by=clerk)
            if index >= 2:
                services.dossier_assign(dossier=dossier, by=specialist, assignee=specialist)
            if index >= 4:
                services.dossier_send_for_approval(dossier=dossier, by=specialist,
                                                   result_summary="Đủ điều kiện giải quyết theo quy định")
            if index >= 5:
                services.dossier_approve(dossier=dossier, by=leader)
            if index == 6:
                services.dossier_return_result(dossier=dossier, by=clerk, collected_by_name=name,
                                               collected_by_id_number=cccd)
                issue_document(kind=FormKind.HANDOVER, dossier=dossier, by=clerk)
            created += 1
        online = (Procedure.objects.filter(accepts_online=True, agencies=agency, current_version__isnull=False)
                  .order_by("code").first())
        if online is not None:
            created += _online_dossier(citizen, online, agency)
    return created


def _checklist(procedure: Procedure) -> list[dict]:
    case = procedure.current_version.cases.order_by("order", "id").first()
    return [{"required_document": doc, "name": doc.name, "originals": doc.originals, "certified_copies": 0,
             "photocopies": doc.copies} for doc in case.documents.all()] if case else []


def _online_dossier(citizen: User, procedure: Procedure, agency: Agency) -> int:
    """One online dossier from the demo citizen, waiting for the desk's check (8 working hours)."""
    dossier = services.dossier_create_draft(
        procedure=procedure, by=citizen, channel="online",
        applicant={"name": citizen.full_name, "id_type": "cccd", "id_number": citizen.cccd or "",
                   "phone": citizen.phone, "email": citizen.email, "address": citizen.address},
        agency=agency,
    )
    for doc in dossier.procedure.current_version.cases.order_by("order", "id").first().documents.all():
        services.attachment_add(dossier=dossier, by=citizen, required_document=doc,
                                upload=SimpleUploadedFile(f"{doc.pk}.pdf", PDF, content_type="application/pdf"))
    services.dossier_submit(dossier=dossier, by=citizen)
    return 1
