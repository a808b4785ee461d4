"""The desk's writes: intake with its one outcome, the check of online dossiers, fees, returning results,
filing online on a citizen's behalf.

Every status change goes through ``dossiers.services`` (which goes through the workflow); the desk adds
what makes it a desk: the checklist of paper received, the one written list of everything to supplement,
the forms handed over the counter (``dossiers.documents.issue_document``), and one transaction around the
whole decision so a failure at any step (a bad file, the PDF, the numbering) leaves nothing half-written.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError, NotAllowed
from accounts.models import User
from accounts.roles import Role
from dossiers import services as dossier_services
from dossiers.documents import issue_document
from dossiers.models import Channel, CopyKind, Dossier, FormKind, IssuedDocument, Status
from procedures.models import Procedure, ProcedureCase, RequiredDocument


class Outcome:
    """The desk's three possible decisions on a dossier (exactly one)."""

    RECEIVE = "receive"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    ALL = (RECEIVE, SUPPLEMENT, REFUSE)


OUTCOME_FORM = {Outcome.RECEIVE: FormKind.RECEIPT, Outcome.SUPPLEMENT: FormKind.SUPPLEMENT,
                Outcome.REFUSE: FormKind.REFUSAL}

MAX_COPIES = 99


@dataclass(frozen=True)
class ChecklistEntry:
    """One line of the checklist as the clerk filled it in."""

    name: str
    required_document: RequiredDocument | None = None
    received: bool = False
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    problem: str = ""  # why it is missing or faulty: becomes a line of the supplement request

    @property
    def copies(self) -> int:
        return self.originals + self.certified_copies + self.photocopies

    def as_fact(self, electronic: dict[int, dict[str, int]] | None = None) -> dict:
        counts = {"originals": self.originals, "certified_copies": self.certified_copies,
                  "photocopies": self.photocopies}
        if self.copies == 0 and self.required_document is not None and electronic:
            # Only scans or an online upload, no paper: the receipt counts each file as one copy of its kind.
            counts = electronic.get(self.required_document.pk, counts)
        return {"required_document": self.required_document, "name": self.name, **counts}


@dataclass(frozen=True)
class Upload:
    file: object  # an UploadedFile
    required_document: RequiredDocument | None = None
    copy_kind: str = CopyKind.PHOTOCOPY


_COUNT_OF_KIND = {CopyKind.ORIGINAL: "originals", CopyKind.CERTIFIED: "certified_copies"}


def electronic_copies(kinds: Iterable[tuple[int, str]]) -> dict[int, dict[str, int]]:
    """{required document id: counts} of the electronic files a dossier has, from (document id, copy kind)."""
    counts: dict[int, dict[str, int]] = {}
    for document_id, kind in kinds:
        row = counts.setdefault(document_id, {"originals": 0, "certified_copies": 0, "photocopies": 0})
        row[_COUNT_OF_KIND.get(kind, "photocopies")] += 1
    return counts


@dataclass(frozen=True)
class Decision:
    """What the clerk decided, with the facts that decision needs."""

    outcome: str
    checklist: Sequence[ChecklistEntry] = ()
    extra_items: Sequence[dict] = ()  # further {"document", "reason"} lines not in the catalog's list
    reason: str = ""
    legal_basis: str = ""
    delivery: str | None = None
    uploads: Sequence[Upload] = field(default_factory=tuple)


@dataclass(frozen=True)
class DeskResult:
    dossier: Dossier
    document: IssuedDocument
    outcome: str


# --- checking a decision before anything is written ----------------------------------------------------

def _names(entries: Iterable[ChecklistEntry]) -> str:
    return "; ".join(f"“{e.name}”" for e in entries)


def supplement_items(decision: Decision) -> list[dict]:
    """The one written list of everything to supplement: checklist lines with a problem, then extra lines."""
    items = [{"document": e.name, "reason": e.problem.strip()} for e in decision.checklist if e.problem.strip()]
    for item in decision.extra_items:
        document = str(item.get("document") or "").strip()
        reason = str(item.get("reason") or "").strip()
        if document or reason:
            items.append({"document": document, "reason": reason})
    return items


def check_decision(decision: Decision, *, electronic: Iterable[int] = ()) -> list[dict]:
    """Raise a DomainError naming every problem at once; return the supplement items (empty otherwise).

    Rules of the desk (DOMAIN.md B §1.3):
    * receive — every required document is ticked as received, with at least one paper copy or an electronic
      file (``electronic``: ids of required documents with a file, uploaded now or online); nothing is noted
      as faulty (a noted problem means the dossier is not complete);
    * supplement — the list names every missing required document with its reason, and every line has both
      the document and the reason: all problems in one go, never a new reason later;
    * refuse — the reason and its legal basis, both.
    """
    if decision.outcome not in Outcome.ALL:
        raise DomainError(_("Hãy chọn một trong ba kết quả: tiếp nhận, yêu cầu bổ sung hoặc từ chối."),
                          code="outcome_required")
    for e in decision.checklist:
        for count in (e.originals, e.certified_copies, e.photocopies):
            if count < 0 or count > MAX_COPIES:
                raise DomainError(_("Số bản của “%(name)s” phải từ 0 đến %(max)s.")
                                  % {"name": e.name, "max": MAX_COPIES}, code="invalid_checklist")
    electronic = set(electronic)
    empty_ticks = [e for e in decision.checklist if e.received and e.copies == 0
                   and (e.required_document is None or e.required_document.pk not in electronic)]
    if empty_ticks:
        raise DomainError(_("Hãy ghi số bản đã nhận của: %(names)s.") % {"names": _names(empty_ticks)},
                          code="invalid_checklist")
    missing = [e for e in decision.checklist
               if not e.received and (e.required_document is None or e.required_document.is_required)]

    if decision.outcome == Outcome.RECEIVE:
        problems = []
        if missing:
            problems.append(_("Chưa nhận đủ giấy tờ bắt buộc: %(names)s. Hồ sơ chưa đủ thì hãy yêu cầu bổ sung.")
                            % {"names": _names(missing)})
        flagged = [e for e in decision.checklist if e.problem.strip()]
        if flagged or any(str(i.get("document") or i.get("reason") or "").strip() for i in decision.extra_items):
            problems.append(_("Đã ghi nội dung cần bổ sung (%(names)s) nhưng lại chọn tiếp nhận: hãy chọn “Yêu cầu "
                              "bổ sung” hoặc xóa nội dung đó.") % {"names": _names(flagged) or _("giấy tờ khác")})
        if problems:
            raise DomainError(" ".join(problems), code="incomplete")
        return []

    if decision.outcome == Outcome.SUPPLEMENT:
        items = supplement_items(decision)
        unexplained = [e for e in missing if not e.problem.strip()]
        if unexplained:
            raise DomainError(
                _("Phiếu yêu cầu bổ sung phải nêu lý do cho mọi giấy tờ chưa nhận: %(names)s.")
                % {"names": _names(unexplained)}, code="invalid_supplement")
        half = [i for i in items if not i["document"] or not i["reason"]]
        if half:
            raise DomainError(_("Mỗi dòng yêu cầu bổ sung cần cả tên giấy tờ và lý do."), code="invalid_supplement")
        if not items:
            raise DomainError(_("Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do — tất cả trong một lần."),
                              code="invalid_supplement")
        return items

    problems = []
    if not decision.reason.strip():
        problems.append(_("Hãy nêu rõ lý do từ chối tiếp nhận."))
    if not decision.legal_basis.strip():
        problems.append(_("Hãy nêu căn cứ pháp lý của việc từ chối."))
    if problems:
        raise DomainError(" ".join(problems), code="invalid_refusal")
    return []


# --- the desk's decisions -------------------------------------------------------------------------------

def _require_clerk(by: User) -> None:
    if not by.is_authenticated or not by.has_role(Role.CLERK) or by.agency_id is None:
        raise NotAllowed(_("Chỉ cán bộ Bộ phận Một cửa của cơ quan được thực hiện thao tác này."))


def _require_own_desk(dossier: Dossier, by: User) -> None:
    if dossier.receiving_agency_id != by.agency_id:
        raise NotAllowed(_("Hồ sơ này không thuộc Bộ phận Một cửa của cơ quan bạn."))


def _uploaded(decision: Decision) -> list[tuple[int, str]]:
    return [(u.required_document.pk, u.copy_kind) for u in decision.uploads if u.required_document is not None]


def _apply(dossier: Dossier, *, by: User, decision: Decision, items: list[dict],
           electronic: dict[int, dict[str, int]], checklist_stored: bool = False) -> DeskResult:
    if dossier.status == Status.SUPPLEMENT:
        # The applicant is back at the counter with the documents asked for: that closes the request
        # (and is logged as such) before the desk decides again.
        dossier = dossier_services.dossier_complete_supplement(dossier=dossier, by=by)
    for upload in decision.uploads:
        dossier_services.attachment_add(dossier=dossier, by=by, upload=upload.file,
                                        required_document=upload.required_document, copy_kind=upload.copy_kind)
    if decision.outcome == Outcome.RECEIVE:
        checklist = None
        if decision.checklist and not checklist_stored:
            checklist = [e.as_fact(electronic) for e in decision.checklist if e.received]
        dossier = dossier_services.dossier_receive(dossier=dossier, by=by, checklist=checklist,
                                                   delivery=decision.delivery)
    elif decision.outcome == Outcome.SUPPLEMENT:
        dossier = dossier_services.dossier_request_supplement(dossier=dossier, by=by, items=items)
    else:
        dossier = dossier_services.dossier_refuse(dossier=dossier, by=by, reason=decision.reason.strip(),
                                                  legal_basis=decision.legal_basis.strip())
    document = issue_document(kind=OUTCOME_FORM[decision.outcome], by=by, dossier=dossier)
    return DeskResult(dossier=dossier, document=document, outcome=decision.outcome)


def desk_intake_decide(*, by: User, procedure: Procedure, applicant: dict, decision: Decision,
                       channel: str = Channel.DESK, case: ProcedureCase | None = None,
                       delivery: str = "desk") -> DeskResult:
    """A walk-in or postal dossier: create it at the clerk's agency, store files and checklist, decide.

    One transaction: a refused upload, a workflow conflict or a failed PDF rolls everything back.
    """
    _require_clerk(by)
    if channel not in (Channel.DESK, Channel.POSTAL):
        raise DomainError(_("Hồ sơ tiếp nhận tại quầy chỉ có kênh trực tiếp hoặc bưu chính."), code="invalid_channel")
    if channel == Channel.DESK and not procedure.accepts_desk:
        raise DomainError(_("Thủ tục này không nhận hồ sơ nộp trực tiếp."), code="invalid_channel")
    electronic = electronic_copies(_uploaded(decision))
    items = check_decision(decision, electronic=electronic)
    with transaction.atomic():
        # The checklist of what came over the counter is kept whatever the outcome: it is what the
        # supplement request and the receipt both refer to.
        checklist = [e.as_fact(electronic) for e in decision.checklist if e.received]
        dossier = dossier_services.desk_intake(procedure=procedure, by=by, applicant=applicant, channel=channel,
                                               case=case, delivery=delivery, checklist=checklist)
        return _apply(dossier, by=by, decision=decision, items=items, electronic=electronic, checklist_stored=True)


def desk_check(*, dossier: Dossier, by: User, decision: Decision) -> DeskResult:
    """The desk's check of an online dossier, or of a dossier back at the desk with its supplement."""
    _require_clerk(by)
    _require_own_desk(dossier, by)
    online = dossier.attachments.filter(required_document__isnull=False).values_list("required_document_id",
                                                                                       "copy_kind")
    electronic = electronic_copies([*online, *_uploaded(decision)])
    items = check_decision(decision, electronic=electronic)
    with transaction.atomic():
        return _apply(dossier, by=by, decision=decision, items=items, electronic=electronic)


def desk_record_fee(*, dossier: Dossier, by: User, amount_vnd: int, receipt_number: str) -> Dossier:
    _require_clerk(by)
    _require_own_desk(dossier, by)
    return dossier_services.dossier_record_fee(dossier=dossier, by=by, amount_vnd=amount_vnd,
                                               receipt_number=receipt_number)


def desk_return_result(*, dossier: Dossier, by: User, collected_by_name: str = "", collected_by_id_number: str = "",
                       on_behalf: bool = False, postal_tracking_number: str = "") -> DeskResult:
    """Hand the result over (or post it) and issue the hand-over note, in one transaction."""
    _require_clerk(by)
    _require_own_desk(dossier, by)
    collected_by_name = " ".join((collected_by_name or "").split())
    collected_by_id_number = (collected_by_id_number or "").strip()
    postal_tracking_number = (postal_tracking_number or "").strip()
    if postal_tracking_number and (collected_by_name or collected_by_id_number or on_behalf):
        raise DomainError(_("Chọn một cách trả: trao tại quầy (người nhận) hoặc gửi bưu chính (số hiệu bưu gửi)."),
                          code="invalid_return")
    if not postal_tracking_number and not (collected_by_name and collected_by_id_number):
        raise DomainError(_("Hãy ghi họ tên và số giấy tờ tùy thân của người nhận kết quả, hoặc số hiệu "
                            "bưu gửi nếu gửi qua bưu chính."), code="invalid_return")
    with transaction.atomic():
        dossier = dossier_services.dossier_return_result(
            dossier=dossier, by=by, collected_by_name=collected_by_name,
            collected_by_id_number=collected_by_id_number, on_behalf=on_behalf,
            postal_tracking_number=postal_tracking_number,
        )
        document = issue_document(kind=FormKind.HANDOVER, by=by, dossier=dossier)
    return DeskResult(dossier=dossier, document=document, outcome="return")


def assisted_file(*, by: User, citizen: User, procedure: Procedure, applicant: dict,
                  case: ProcedureCase | None = None, delivery: str = "desk", uploads: Sequence[Upload] = ()) -> Dossier:
    """Assisted digital: the clerk files an online dossier for a citizen account (submitted_by = the citizen,
    filed_by = the clerk). It then waits in the online queue like any online dossier."""
    _require_clerk(by)
    if not citizen.is_active or not citizen.has_role(Role.CITIZEN):
        raise DomainError(_("Chỉ nộp hộ được cho tài khoản công dân đang hoạt động."), code="invalid_citizen")
    with transaction.atomic():
        dossier = dossier_services.dossier_create_draft(
            procedure=procedure, by=by, applicant=applicant, case=case, delivery=delivery, channel=Channel.ONLINE,
            on_behalf_of=citizen,
        )
        for upload in uploads:
            dossier_services.attachment_add(dossier=dossier, by=by, upload=upload.file,
                                            required_document=upload.required_document, copy_kind=upload.copy_kind)
        return dossier_services.dossier_submit(dossier=dossier, by=by)


def decidable(dossier: Dossier) -> bool:
    """Whether the desk still has to decide on this dossier (submitted, or supplemented before receipt)."""
    return dossier.status == Status.SUBMITTED or (dossier.status == Status.SUPPLEMENT and dossier.received_at is None)
