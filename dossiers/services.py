"""Writes on dossiers. Keyword-only, the acting user first-class, DomainError on bad input.

Status changes are delegated to ``dossiers.workflow.transition`` (lock, check, effect, step log, signal).
Each service returns the fresh dossier and also refreshes the instance it was given, so a caller holding
``dossier`` sees the new state either way.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency, IdentityDocType, User
from accounts.permissions import in_scope
from accounts.roles import Role
from accounts.validators import normalize_phone, validate_identity_number, validate_phone
from procedures.models import Procedure, ProcedureCase, RequiredDocument

from . import workflow
from .models import Attachment, Channel, CopyKind, Delivery, Dossier, Extension, Status
from .uploads import check_upload

logger = logging.getLogger(__name__)

APPLICANT_FIELDS = {
    "name": "applicant_name",
    "id_type": "applicant_id_type",
    "id_number": "applicant_id_number",
    "phone": "applicant_phone",
    "email": "applicant_email",
    "address": "applicant_address",
}
DRAFT_FIELDS = {*APPLICANT_FIELDS.values(), "summary", "case", "delivery", "receiving_agency"}
# Attachments can be changed by the citizen while writing the draft or answering a supplement request,
# and by staff while the dossier is open (scanning paper at the desk counts as digitisation, 766 group 4).
CITIZEN_UPLOAD_STATUSES = {Status.DRAFT, Status.SUPPLEMENT}
STAFF_UPLOAD_STATUSES = {Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT, Status.RECEIVED, Status.PROCESSING,
                         Status.FINANCIAL}


def _sync(target: Dossier, fresh: Dossier) -> Dossier:
    """Copy the committed state onto the caller's instance (no query)."""
    if target is not fresh:
        for f in Dossier._meta.concrete_fields:
            setattr(target, f.attname, getattr(fresh, f.attname))
    return fresh


def _transition(dossier: Dossier, action: str, by: User, note: str = "", **facts) -> Dossier:
    return _sync(dossier, workflow.transition(dossier.pk, action=action, by=by, note=note, **facts))


# ----- drafts and attachments ---------------------------------------------------------------------------------


def _clean_applicant(values: dict) -> dict:
    """Check the format of what is given; completeness is checked on submission (drafts may be partial)."""
    unknown = set(values) - set(APPLICANT_FIELDS)
    if unknown:
        raise DomainError(_("Thông tin người nộp không hợp lệ: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    cleaned = {APPLICANT_FIELDS[k]: str(v if v is not None else "").strip() for k, v in values.items()}
    return _validate_applicant_fields(cleaned)


def _validate_applicant_fields(cleaned: dict) -> dict:
    if cleaned.get("applicant_phone"):
        cleaned["applicant_phone"] = normalize_phone(cleaned["applicant_phone"])
        try:
            validate_phone(cleaned["applicant_phone"])
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_phone") from exc
    if "applicant_id_type" in cleaned and cleaned["applicant_id_type"] not in IdentityDocType.values:
        raise DomainError(_("Loại giấy tờ tùy thân không hợp lệ."), code="invalid_id_type")
    if cleaned.get("applicant_id_number"):
        cleaned["applicant_id_number"] = cleaned["applicant_id_number"].upper()
    if cleaned.get("applicant_email"):
        from django.core.validators import validate_email

        try:
            validate_email(cleaned["applicant_email"])
        except ValidationError as exc:
            raise DomainError(_("Địa chỉ thư điện tử không hợp lệ."), code="invalid_email") from exc
    limits = {"applicant_name": 150, "applicant_id_number": 20, "applicant_address": 255, "applicant_email": 254,
              "summary": 500}
    for name, limit in limits.items():
        if len(cleaned.get(name) or "") > limit:
            raise DomainError(_("Thông tin quá dài (tối đa %(n)s ký tự).") % {"n": limit}, code="too_long")
    return cleaned


def _check_id_number(id_type: str, number: str) -> None:
    try:
        validate_identity_number(id_type, number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_id_number") from exc


def _receiving_agency_for(procedure: Procedure, by: User, agency: Agency | None) -> Agency:
    """Where an online dossier is sent: the agency chosen, else the procedure's only agency, else — for a
    procedure not yet linked to agencies — the province's one root agency (its service centre forwards)."""
    if agency is not None:
        if not agency.is_active:
            raise DomainError(_("Cơ quan tiếp nhận không còn hoạt động."), code="invalid_agency")
        linked = procedure.agencies.all()
        if linked.exists() and not linked.filter(pk=agency.pk).exists():
            raise DomainError(_("%(agency)s không tiếp nhận thủ tục này.") % {"agency": agency}, code="invalid_agency")
        return agency
    if by.is_portal_staff and by.agency_id:
        return by.agency  # a clerk filing for a citizen files at their own desk
    agencies = list(procedure.agencies.filter(is_active=True)[:2])
    if len(agencies) == 1:
        return agencies[0]
    if len(agencies) > 1:
        raise DomainError(_("Thủ tục này được thực hiện tại nhiều cơ quan; hãy chọn nơi nộp hồ sơ."),
                          code="agency_required")
    roots = list(Agency.objects.filter(parent__isnull=True, is_active=True)[:2])
    if len(roots) == 1:
        return roots[0]
    raise DomainError(_("Thủ tục này chưa được giao cho cơ quan tiếp nhận; hãy chọn nơi nộp hồ sơ."),
                      code="agency_required")


def _check_case(procedure: Procedure, case: ProcedureCase | None) -> ProcedureCase | None:
    if case is None:
        version = procedure.current_version
        cases = list(version.cases.all()[:2]) if version else []
        return cases[0] if len(cases) == 1 else None
    if case.version.procedure_id != procedure.pk:
        raise DomainError(_("Trường hợp đã chọn không thuộc thủ tục này."), code="invalid_case")
    return case


def _check_delivery(procedure: Procedure, delivery: str) -> str:
    if delivery not in Delivery.values:
        raise DomainError(_("Hình thức nhận kết quả không hợp lệ."), code="invalid_delivery")
    if delivery == Delivery.POSTAL and not procedure.postal_return:
        raise DomainError(_("Thủ tục này không trả kết quả qua bưu chính."), code="invalid_delivery")
    return delivery


def _may_edit_draft(dossier: Dossier, by: User) -> bool:
    return by.is_authenticated and (
        dossier.submitted_by_id == by.pk or dossier.filed_by_id == by.pk or by.is_superuser
    )


@transaction.atomic
def dossier_create_draft(
    *,
    procedure: Procedure,
    by: User,
    applicant: dict,
    case: ProcedureCase | None = None,
    delivery: str = Delivery.DESK,
    channel: str = Channel.ONLINE,
    on_behalf_of: User | None = None,
    agency: Agency | None = None,
    summary: str = "",
) -> Dossier:
    """A citizen's draft (or a clerk's, filed for ``on_behalf_of`` — assisted digital)."""
    if not by.is_authenticated:
        raise NotAllowed(_("Hãy đăng nhập để nộp hồ sơ trực tuyến."))
    if on_behalf_of is not None:
        if not by.has_role(Role.CLERK, Role.ADMIN):
            raise NotAllowed(_("Chỉ cán bộ một cửa mới được lập hồ sơ thay công dân."))
        owner = on_behalf_of
    elif by.has_role(Role.CITIZEN):
        owner = by
    else:
        raise NotAllowed(_("Chỉ công dân mới lập được hồ sơ trực tuyến của mình."))
    if channel not in Channel.values:
        raise DomainError(_("Kênh nộp hồ sơ không hợp lệ."), code="invalid_channel")
    if not procedure.is_active:
        raise DomainError(_("Thủ tục này không còn được áp dụng."), code="procedure_inactive")
    if channel == Channel.ONLINE and not (procedure.accepts_online and procedure.is_online):
        raise DomainError(_("Thủ tục này chưa cung cấp dịch vụ nộp hồ sơ trực tuyến."), code="not_online")
    receiving = _receiving_agency_for(procedure, by, agency)
    if on_behalf_of is not None and not in_scope(by, receiving.pk):
        raise NotAllowed(_("Bạn chỉ lập hồ sơ thay công dân tại cơ quan của mình."))
    values = _clean_applicant(applicant or {})
    values["summary"] = (summary or "").strip()[:500]
    return Dossier.objects.create(
        procedure=procedure,
        case=_check_case(procedure, case),
        submitted_by=owner,
        filed_by=by if on_behalf_of is not None else None,
        channel=channel,
        delivery=_check_delivery(procedure, delivery),
        status=Status.DRAFT,
        receiving_agency=receiving,
        current_agency=receiving,
        **values,
    )


@transaction.atomic
def dossier_update_draft(*, dossier: Dossier, by: User, **fields) -> Dossier:
    """Autosave of a draft: applicant fields (as ``name`` or ``applicant_name``), case, delivery, summary."""
    fresh = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not _may_edit_draft(fresh, by):
        raise NotAllowed(_("Bạn không có quyền sửa hồ sơ này."))
    if fresh.status != Status.DRAFT:
        raise Conflict(_("Hồ sơ đã nộp nên không thể sửa; hãy liên hệ Bộ phận Một cửa nếu cần thay đổi."))
    values = {}
    for key, value in fields.items():
        name = APPLICANT_FIELDS.get(key, key)
        if name not in DRAFT_FIELDS:
            raise DomainError(_("Không thể sửa trường “%(field)s”.") % {"field": key}, code="invalid_field")
        values[name] = value
    text = {k: str(v if v is not None else "").strip() for k, v in values.items()
            if k not in ("case", "receiving_agency", "delivery")}
    _validate_applicant_fields(text)
    for name, value in text.items():
        setattr(fresh, name, value)
    if "case" in values:
        fresh.case = _check_case(fresh.procedure, values["case"]) if values["case"] is not None else None
    if "delivery" in values:
        fresh.delivery = _check_delivery(fresh.procedure, values["delivery"])
    if "receiving_agency" in values:
        agency = _receiving_agency_for(fresh.procedure, by, values["receiving_agency"])
        fresh.receiving_agency = fresh.current_agency = agency
    fresh._history_user = by
    fresh.save()
    return _sync(dossier, fresh)


def _may_upload(dossier: Dossier, by: User) -> bool:
    if not by.is_authenticated:
        return False
    if dossier.status in CITIZEN_UPLOAD_STATUSES and (
        dossier.submitted_by_id == by.pk or dossier.filed_by_id == by.pk
    ):
        return True
    return (
        dossier.status in STAFF_UPLOAD_STATUSES
        and dossier.status != Status.DRAFT
        and by.is_portal_staff
        and (in_scope(by, dossier.receiving_agency_id) or in_scope(by, dossier.current_agency_id))
    )


def _required_document_of(dossier: Dossier, required_document) -> RequiredDocument | None:
    if required_document is None:
        return None
    if not isinstance(required_document, RequiredDocument):
        required_document = RequiredDocument.objects.filter(pk=required_document).select_related(
            "case__version").first()
        if required_document is None:
            raise DomainError(_("Thành phần hồ sơ không tồn tại."), code="invalid_document")
    if dossier.case_id and required_document.case_id != dossier.case_id:
        raise DomainError(_("Giấy tờ “%(name)s” không thuộc trường hợp của hồ sơ này.")
                          % {"name": required_document.name}, code="invalid_document")
    if required_document.case.version.procedure_id != dossier.procedure_id:
        raise DomainError(_("Giấy tờ “%(name)s” không thuộc thủ tục của hồ sơ này.")
                          % {"name": required_document.name}, code="invalid_document")
    return required_document


def attachment_add(
    *,
    dossier: Dossier,
    by: User,
    upload,
    required_document: RequiredDocument | int | None = None,
    copy_kind: str = CopyKind.PHOTOCOPY,
    reused: bool = False,
) -> Attachment:
    """Store one checked file (size, sniffed type, safe name — dossiers/uploads.py) on the dossier."""
    if copy_kind not in CopyKind.values:
        raise DomainError(_("Loại bản giấy tờ không hợp lệ."), code="invalid_copy_kind")
    checked = check_upload(upload)  # before any lock: reading a 10 MB file must not hold the row
    with transaction.atomic():
        fresh = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if not _may_upload(fresh, by):
            owner = by.pk in (fresh.submitted_by_id, fresh.filed_by_id)
            if (owner and fresh.status not in CITIZEN_UPLOAD_STATUSES) or fresh.status not in STAFF_UPLOAD_STATUSES:
                raise Conflict(_("Không thể thêm tệp khi hồ sơ đang ở trạng thái “%(status)s”; hồ sơ đã nộp chỉ "
                                 "nhận thêm tệp khi được yêu cầu bổ sung.") % {"status": fresh.get_status_display()})
            raise NotAllowed(_("Bạn không có quyền thêm tệp vào hồ sơ này."))
        document = _required_document_of(fresh, required_document)
        attachment = Attachment(
            dossier=fresh,
            required_document=document,
            original_name=checked.original_name,
            sha256=checked.sha256,
            size=checked.size,
            content_type=checked.content_type,
            copy_kind=copy_kind,
            reused=reused,
            uploaded_by=by,
        )
        attachment.file.save(checked.storage_name, checked.file, save=False)
        stored = attachment.file.name
        try:
            attachment.save()
            if fresh.status != Status.DRAFT and by.is_portal_staff and not fresh.is_digitised:
                fresh.is_digitised = True
                fresh.save(update_fields=["is_digitised", "updated_at"])
        except Exception:
            attachment.file.storage.delete(stored)  # the row failed: leave no orphan file behind
            raise
    return attachment


def attachment_remove(*, attachment: Attachment, by: User) -> None:
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=attachment.dossier_id)
        if not _may_upload(dossier, by):
            raise NotAllowed(_("Bạn không có quyền xóa tệp của hồ sơ này."))
        submitted_with_it = dossier.submitted_at is not None and attachment.uploaded_at <= dossier.submitted_at
        if dossier.status != Status.DRAFT and (attachment.uploaded_by_id != by.pk or submitted_with_it):
            # Once submitted, what the citizen sent is evidence: only one's own later additions can go.
            raise Conflict(_("Không thể xóa tệp đã nộp cùng hồ sơ."))
        storage, name = attachment.file.storage, attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))


# ----- submission and reception ---------------------------------------------------------------------------------


def _missing_for_submission(dossier: Dossier) -> list[str]:
    problems = []
    if not dossier.applicant_name:
        problems.append(_("họ tên người nộp"))
    if not dossier.applicant_phone:
        problems.append(_("số điện thoại"))
    if dossier.case_id is None:
        problems.append(_("trường hợp của thủ tục"))
        return problems
    attached = set(dossier.attachments.values_list("required_document_id", flat=True))
    for document in RequiredDocument.objects.filter(case_id=dossier.case_id, is_required=True).order_by("order"):
        if document.pk not in attached:
            problems.append(_("tệp “%(name)s”") % {"name": document.name})
    return problems


def dossier_submit(*, dossier: Dossier, by: User) -> Dossier:
    """Draft → submitted: the code is assigned and the desk has 8 working hours to confirm it."""
    if dossier.status == Status.DRAFT and workflow.may_act(by, dossier, "submit"):
        missing = _missing_for_submission(dossier)
        if missing:
            raise DomainError(_("Hồ sơ còn thiếu: %(items)s.") % {"items": "; ".join(missing)}, code="incomplete")
        if dossier.applicant_id_number:
            _check_id_number(dossier.applicant_id_type, dossier.applicant_id_number)
    return _transition(dossier, "submit", by)


def dossier_receive(
    *,
    dossier: Dossier,
    by: User,
    checklist: list[dict] | None = None,
    delivery: str | None = None,
    case: ProcedureCase | None = None,
    to_agency: Agency | None = None,
) -> Dossier:
    """Submitted (or supplemented at the desk) → received: version and case frozen, appointment computed.

    ``checklist``: [{"required_document": RequiredDocument|None, "name": str, "originals": int,
    "certified_copies": int, "photocopies": int}] — the paper documents ticked at the desk.
    ``to_agency``: where the file goes for processing (default: the route's first processing agency).
    """
    if delivery is not None:
        _check_delivery(dossier.procedure, delivery)
    if checklist is not None:
        checklist = [{**item, "required_document": _required_document_of(dossier, item.get("required_document"))}
                     for item in checklist]
    return _transition(dossier, "receive", by, checklist=checklist, delivery=delivery, case=case,
                       to_agency=to_agency)


@transaction.atomic
def desk_intake(
    *,
    procedure: Procedure,
    by: User,
    applicant: dict,
    channel: str = Channel.DESK,
    case: ProcedureCase | None = None,
    delivery: str = Delivery.DESK,
    checklist: list[dict] | None = None,
    summary: str = "",
) -> Dossier:
    """A walk-in or postal dossier, entered by a clerk at their agency: it starts as submitted (no code
    yet — the code comes with the receipt); the desk then receives it, asks for more, or refuses it."""
    if not by.is_authenticated or not by.has_role(Role.CLERK, Role.ADMIN) or not by.agency_id:
        raise NotAllowed(_("Chỉ cán bộ một cửa mới tiếp nhận hồ sơ tại quầy."))
    if channel not in (Channel.DESK, Channel.POSTAL):
        raise DomainError(_("Hồ sơ tại quầy chỉ nhận trực tiếp hoặc qua bưu chính."), code="invalid_channel")
    if not procedure.is_active:
        raise DomainError(_("Thủ tục này không còn được áp dụng."), code="procedure_inactive")
    if channel == Channel.POSTAL and not procedure.accepts_postal:
        raise DomainError(_("Thủ tục này không nhận hồ sơ qua bưu chính."), code="invalid_channel")
    values = _clean_applicant(applicant or {})
    if not values.get("applicant_name"):
        raise DomainError(_("Hãy nhập họ tên người nộp hồ sơ."), code="required")
    if values.get("applicant_id_number"):
        _check_id_number(values.get("applicant_id_type", IdentityDocType.CCCD), values["applicant_id_number"])
    dossier = Dossier.objects.create(
        procedure=procedure,
        case=_check_case(procedure, case),
        channel=channel,
        delivery=_check_delivery(procedure, delivery),
        status=Status.DRAFT,
        receiving_agency_id=by.agency_id,
        current_agency_id=by.agency_id,
        filed_by=by,
        summary=(summary or "").strip()[:500],
        **values,
    )
    dossier = _transition(dossier, "submit", by)
    if checklist is not None:
        from .workflow import _store_checklist

        _store_checklist(dossier, [
            {**item, "required_document": _required_document_of(dossier, item.get("required_document"))}
            for item in checklist
        ])
    return dossier


def dossier_request_supplement(*, dossier: Dossier, by: User, items: list[dict], note: str = "") -> Dossier:
    """Ask for every missing or faulty document at once: items = [{"document": ..., "reason": ...}]."""
    if not items:
        raise DomainError(_("Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do — tất cả trong một lần."),
                          code="invalid_supplement")
    return _transition(dossier, "request_supplement", by, note=note, items=list(items))


def dossier_complete_supplement(*, dossier: Dossier, by: User, note: str = "") -> Dossier:
    return _transition(dossier, "complete_supplement", by, note=note)


def dossier_refuse(*, dossier: Dossier, by: User, reason: str, legal_basis: str) -> Dossier:
    return _transition(dossier, "refuse", by, reason=reason, legal_basis=legal_basis)


# ----- processing ------------------------------------------------------------------------------------------------


def dossier_assign(*, dossier: Dossier, by: User, assignee: User, note: str = "") -> Dossier:
    """Give the dossier to a specialist of its agency; a specialist may take it himself ("accept")."""
    return _transition(dossier, "assign", by, note=note, assignee=assignee)


def dossier_transfer(*, dossier: Dossier, by: User, to_agency: Agency, to_user: User | None = None,
                     note: str = "") -> Dossier:
    """Hand over to another person of the agency, or to another agency (liên thông)."""
    return _transition(dossier, "transfer", by, note=note, to_agency=to_agency, to_user=to_user)


def dossier_send_for_approval(*, dossier: Dossier, by: User, result_summary: str, note: str = "",
                              to_user: User | None = None) -> Dossier:
    return _transition(dossier, "send_for_approval", by, note=note, result_summary=result_summary, to_user=to_user)


def dossier_approve(*, dossier: Dossier, by: User, note: str = "") -> Dossier:
    return _transition(dossier, "approve", by, note=note)


def dossier_send_back(*, dossier: Dossier, by: User, note: str) -> Dossier:
    return _transition(dossier, "send_back", by, note=note)


def dossier_request_financial(*, dossier: Dossier, by: User, amount_vnd: int, note: str = "") -> Dossier:
    return _transition(dossier, "request_financial", by, note=note, amount_vnd=amount_vnd)


def dossier_complete_financial(*, dossier: Dossier, by: User, note: str = "") -> Dossier:
    return _transition(dossier, "complete_financial", by, note=note)


def dossier_withdraw(*, dossier: Dossier, by: User, reason: str) -> Dossier:
    return _transition(dossier, "withdraw", by, reason=reason)


def dossier_stop(*, dossier: Dossier, by: User, reason: str, legal_basis: str = "") -> Dossier:
    return _transition(dossier, "stop", by, reason=reason, legal_basis=legal_basis)


def dossier_record_fee(*, dossier: Dossier, by: User, amount_vnd: int, receipt_number: str) -> Dossier:
    return _transition(dossier, "record_fee", by, amount_vnd=amount_vnd, receipt_number=receipt_number)


def dossier_return_result(
    *,
    dossier: Dossier,
    by: User,
    collected_by_name: str = "",
    collected_by_id_number: str = "",
    on_behalf: bool = False,
    postal_tracking_number: str = "",
    note: str = "",
) -> Dossier:
    return _transition(dossier, "return_result", by, note=note, collected_by_name=collected_by_name,
                       collected_by_id_number=collected_by_id_number, on_behalf=on_behalf,
                       postal_tracking_number=postal_tracking_number)


def dossier_extend(*, dossier: Dossier, by: User, new_due_at: dt.datetime | dt.date, reason: str,
                   kind: str = "apology") -> Extension:
    """A new appointment (apology or extension). ``original_due_at`` is kept for the statistics."""
    fresh, _log, extension = workflow.run(dossier.pk, action="extend", by=by, note=reason,
                                          new_due_at=new_due_at, reason=reason, kind=kind)
    _sync(dossier, fresh)
    return extension
