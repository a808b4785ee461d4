"""The words the citizen receives, per event: a subject, an e-mail body and a short text for SMS/Zalo.

Rendered from the database (not from the transition's in-memory objects) when the outbox row is written,
so every retry sends the same message. Vietnamese: the language of the forms, whatever the staff's UI.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .. import deadlines
from ..models import (
    Delivery,
    Dossier,
    Extension,
    ExtensionKind,
    FormKind,
    IssuedDocument,
    NotificationEvent,
    Pause,
    StepLog,
)

# The workflow's actions that matter to the citizen (CONTRACTS.md), and what we tell them.
EVENT_FOR_ACTION = {
    "receive": NotificationEvent.RECEIVED,
    "request_supplement": NotificationEvent.SUPPLEMENT,
    "refuse": NotificationEvent.REFUSED,
    "request_financial": NotificationEvent.FINANCIAL,
    "stop": NotificationEvent.STOPPED,
    "approve": NotificationEvent.RESULT_READY,
    "extend": NotificationEvent.DELAYED,
    "return_result": NotificationEvent.RETURNED,
}


def tracking_url(dossier: Dossier) -> str:
    from ..documents import tracking_url as _tracking_url

    return _tracking_url(dossier)


def _when(moment) -> str:
    return deadlines.format_vn(moment) if moment else "—"


def _vnd(amount) -> str:
    return f"{int(amount):,}".replace(",", ".") if amount is not None else ""


def _supplement_items(dossier: Dossier, step: StepLog | None) -> list[dict]:
    items = (step.facts or {}).get("items") if step is not None else None
    if not items:
        pause = Pause.objects.filter(dossier=dossier).order_by("-started_at", "-id").first()
        items = pause.items if pause is not None else []
    return [i for i in items if isinstance(i, dict)]


def _event_text(event: str, dossier: Dossier, step: StepLog | None) -> tuple[str, str, list[dict]]:
    """(paragraph for the e-mail, one line for SMS/Zalo, attachments)."""
    code = dossier.code or _("(chưa có mã)")
    facts = (step.facts or {}) if step is not None else {}
    attachments: list[dict] = []
    if event == NotificationEvent.RECEIVED:
        long = _("Hồ sơ của ông/bà đã được tiếp nhận lúc %(received)s. Ngày hẹn trả kết quả: %(due)s.") % {
            "received": _when(dossier.received_at), "due": _when(dossier.due_at)}
        short = _("Hồ sơ %(code)s đã được tiếp nhận. Hẹn trả kết quả: %(due)s.") % {
            "code": code, "due": _when(dossier.due_at)}
    elif event == NotificationEvent.SUPPLEMENT:
        items = _supplement_items(dossier, step)
        lines = "\n".join(
            f"- {i.get('document', '')}: {i.get('reason', '')}".rstrip(": ") for i in items
        )
        long = _(
            "Hồ sơ của ông/bà cần được bổ sung, hoàn thiện. Thời gian giải quyết tạm dừng cho đến khi "
            "ông/bà bổ sung đủ các giấy tờ sau:"
        ) + ("\n" + lines if lines else "")
        short = _("Hồ sơ %(code)s cần bổ sung %(count)s giấy tờ. Xem chi tiết tại đường dẫn tra cứu.") % {
            "code": code, "count": len(items) or 1}
    elif event == NotificationEvent.REFUSED:
        reason = facts.get("reason") or dossier.outcome_reason
        long = _("Hồ sơ của ông/bà không được tiếp nhận giải quyết. Lý do: %(reason)s.") % {"reason": reason}
        basis = facts.get("legal_basis") or dossier.outcome_legal_basis
        if basis:
            long += "\n" + _("Căn cứ: %(basis)s.") % {"basis": basis}
        short = _("Hồ sơ %(code)s không được tiếp nhận. Lý do: %(reason)s.") % {"code": code, "reason": reason}
    elif event == NotificationEvent.FINANCIAL:
        amount = facts.get("amount_vnd") or dossier.fee_due_vnd
        if amount:
            long = _("Để tiếp tục giải quyết hồ sơ, ông/bà cần thực hiện nghĩa vụ tài chính: %(amount)s đồng.") % {
                "amount": _vnd(amount)}
        else:
            long = _("Để tiếp tục giải quyết hồ sơ, ông/bà cần thực hiện nghĩa vụ tài chính.")
        short = _("Hồ sơ %(code)s: mời ông/bà thực hiện nghĩa vụ tài chính để tiếp tục giải quyết.") % {"code": code}
    elif event == NotificationEvent.STOPPED:
        reason = facts.get("reason") or dossier.outcome_reason
        long = _("Cơ quan giải quyết đã dừng giải quyết hồ sơ của ông/bà. Lý do: %(reason)s.") % {"reason": reason}
        short = _("Hồ sơ %(code)s đã dừng giải quyết. Lý do: %(reason)s.") % {"code": code, "reason": reason}
    elif event == NotificationEvent.RESULT_READY:
        agency = dossier.receiving_agency
        if dossier.delivery == Delivery.POSTAL:
            how = _("Kết quả sẽ được gửi qua bưu chính công ích đến địa chỉ ông/bà đã đăng ký.")
        elif dossier.delivery == Delivery.ONLINE:
            how = _("Ông/bà có thể nhận kết quả điện tử trên Cổng dịch vụ công.")
        else:
            how = _(
                "Mời ông/bà đến %(agency)s%(address)s để nhận kết quả, mang theo giấy tiếp nhận hồ sơ và "
                "giấy tờ tùy thân."
            ) % {"agency": agency.name, "address": f" ({agency.address})" if agency.address else ""}
        long = _("Hồ sơ của ông/bà đã có kết quả giải quyết.") + " " + how
        short = _("Hồ sơ %(code)s đã có kết quả. %(how)s") % {"code": code, "how": how}
    elif event == NotificationEvent.DELAYED:
        extension = Extension.objects.filter(dossier=dossier).select_related("responsible_agency").order_by(
            "-created_at", "-id").first()
        agency = (extension.responsible_agency if extension else None) or dossier.current_agency
        values = {
            "agency": agency.name,
            "previous": _when(extension.previous_due_at if extension else dossier.original_due_at),
            "new": _when(extension.new_due_at if extension else dossier.due_at),
            "reason": extension.reason if extension else facts.get("reason", ""),
        }
        if extension is not None and extension.kind == ExtensionKind.EXTENSION:
            long = _(
                "Thời hạn giải quyết hồ sơ của ông/bà được gia hạn (hẹn cũ: %(previous)s). Lý do: %(reason)s. "
                "Ngày hẹn trả kết quả mới: %(new)s."
            ) % values
        else:
            long = _(
                "%(agency)s thành thật xin lỗi vì hồ sơ của ông/bà chưa có kết quả đúng hẹn (%(previous)s). "
                "Lý do: %(reason)s. Ngày hẹn trả kết quả mới: %(new)s."
            ) % values
        apology = IssuedDocument.objects.filter(dossier=dossier, kind=FormKind.APOLOGY).order_by(
            "-issued_at", "-id").first()
        if apology is not None:
            long += "\n" + _("Văn bản xin lỗi và hẹn lại ngày trả kết quả được gửi kèm thư này.")
            attachments.append({"document_id": apology.pk, "filename": f"xin-loi-{code}.pdf"})
        short = _("Hồ sơ %(code)s được hẹn lại ngày trả kết quả: %(new)s. Lý do: %(reason)s.") % {
            **values, "code": code}
    elif event == NotificationEvent.RETURNED:
        long = _(
            "Kết quả giải quyết hồ sơ của ông/bà đã được trả lúc %(returned)s. Xin ông/bà dành ít phút đánh "
            "giá mức độ hài lòng qua đường dẫn tra cứu dưới đây."
        ) % {"returned": _when(dossier.returned_at)}
        short = _("Hồ sơ %(code)s đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng.") % {"code": code}
    else:
        raise ValueError(f"no message for event {event!r}")
    return long, short, attachments


def render(event: str, dossier: Dossier, step: StepLog | None = None) -> dict:
    """{"subject", "email_body", "short_body", "attachments"} for the citizen of ``dossier``."""
    with translation.override(settings.LANGUAGE_CODE):
        long, short, attachments = _event_text(event, dossier, step)
        url = tracking_url(dossier)
        label = NotificationEvent(event).label
        code = dossier.code or _("(chưa có mã)")
        subject = _("Hồ sơ %(code)s: %(event)s") % {"code": code, "event": label}
        body = "\n".join([
            _("Kính gửi ông/bà %(name)s,") % {"name": dossier.applicant_name},
            "",
            long,
            "",
            _("Mã hồ sơ: %(code)s") % {"code": code},
            _("Thủ tục: %(procedure)s") % {"procedure": dossier.procedure.name},
            _("Cơ quan tiếp nhận: %(agency)s") % {"agency": dossier.receiving_agency.name},
            _("Tra cứu tình trạng hồ sơ: %(url)s") % {"url": url},
            "",
            _("Thư được gửi tự động từ %(system)s, xin ông/bà không trả lời thư này.") % {
                "system": settings.ISSUING_SYSTEM},
        ])
        short_body = f"{short} {_('Tra cứu')}: {url}"
    return {"subject": str(subject), "email_body": body, "short_body": short_body, "attachments": attachments}
