"""Delay notices: when a dossier will be late, the responsible agency apologises and sets a new appointment.

One service, ``dossier_issue_delay_notice``, does the three things together or not at all (one
transaction): the new appointment through the workflow (``services.dossier_extend`` — the dossier row is
locked, a StepLog row written, ``original_due_at`` kept so that late stays late in the statistics), the
apology letter (form 04, numbered and stored by ``documents.issue_document``), and — after commit, through
the workflow's ``dossier_transitioned`` signal — the citizen's notification, with the letter attached to
the e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError
from accounts.permissions import in_scope

from . import deadlines, services
from .documents import issue_document
from .models import Dossier, Extension, ExtensionKind, FormKind, IssuedDocument

# More than a working year of delay is a typing error, not a plan.
MAX_EXTRA_WORKING_DAYS = Decimal(250)


@dataclass(frozen=True)
class DelayNotice:
    extension: Extension
    document: IssuedDocument


def new_appointment(*, dossier: Dossier, extra_working_days, now: datetime | None = None) -> datetime:
    """The new appointment ``extra_working_days`` after the current one, on the receiving agency's calendar.

    Counted from the current appointment — or from now, if that has already passed: an apology must not
    promise a date that is already behind us.
    """
    days = _as_days(extra_working_days)
    if dossier.due_at is None:
        raise Conflict(_("Hồ sơ chưa có ngày hẹn trả nên không thể hẹn lại."))
    start = max(dossier.due_at, now or timezone.now())
    return deadlines.due_at(start=start, limit=days, unit="working_days", agency=dossier.receiving_agency)


def _as_days(value) -> Decimal:
    try:
        days = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Số ngày làm việc cần thêm không hợp lệ."), code="invalid_days") from exc
    if not days.is_finite() or days <= 0 or days > MAX_EXTRA_WORKING_DAYS:
        raise DomainError(
            _("Số ngày làm việc cần thêm phải lớn hơn 0 và không quá %(max)s.") % {"max": MAX_EXTRA_WORKING_DAYS},
            code="invalid_days",
        )
    return days


def dossier_issue_delay_notice(
    *,
    dossier: Dossier,
    by,
    reason: str,
    new_due_at: datetime | None = None,
    extra_working_days: int | Decimal | None = None,
    signer_name: str = "",
    signer_title: str = "",
) -> DelayNotice:
    """Apologise for a delay: a new appointment (given, or ``extra_working_days`` later by the calendar),
    the apology letter (form 04) and the citizen's notification. Raises DomainError / Conflict / NotAllowed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Hãy nêu lý do chậm trả kết quả."), code="required")
    if (new_due_at is None) == (extra_working_days is None):
        raise DomainError(_("Hãy chọn ngày hẹn trả mới hoặc nhập số ngày làm việc cần thêm (một trong hai)."),
                          code="required")
    if new_due_at is None:
        new_due_at = new_appointment(dossier=dossier, extra_working_days=extra_working_days)
    # The letter comes from the agency that is late: the one handling the dossier when the person acting
    # belongs to it, otherwise the desk that received it and gave the appointment.
    agency = dossier.current_agency if in_scope(by, dossier.current_agency_id) else dossier.receiving_agency
    extra = {key: value for key, value in (("signer_name", signer_name), ("signer_title", signer_title)) if value}
    with transaction.atomic():
        extension = services.dossier_extend(
            dossier=dossier, by=by, new_due_at=new_due_at, reason=reason, kind=ExtensionKind.APOLOGY
        )
        document = issue_document(kind=FormKind.APOLOGY, by=by, dossier=dossier, agency=agency, extra=extra)
    return DelayNotice(extension=extension, document=document)
