"""Writes on ratings and feedback. Keyword-only, the acting person passed in, DomainError on bad input.

After a write commits, ``rating_recorded`` / ``feedback_recorded`` go out (ratings/signals.py) so the
dashboard's summary table follows; this module imports nothing from the dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency, User
from accounts.permissions import in_scope
from accounts.roles import STAFF_ROLES, Role
from accounts.validators import normalize_phone, validate_phone
from dossiers import deadlines
from dossiers.models import Dossier, Status, StepLog
from procedures.models import Procedure

from .models import (
    CRITERION_KEYS,
    CRITERION_MAX_POINTS,
    Feedback,
    FeedbackEvent,
    FeedbackKind,
    FeedbackStatus,
    FeedbackTopic,
    Notice,
    NoticeKind,
    Rating,
    RatingChannel,
    RatingLevel,
)
from .signals import feedback_recorded, rating_recorded

logger = logging.getLogger(__name__)

# PAKN time limits in working days (DOMAIN.md Part A "Satisfaction and feedback"; B §5 indicator 5.2;
# forwarding misrouted feedback: Decree 20/2008, B §6). Overridable: settings.FEEDBACK_LIMITS.
DEFAULT_FEEDBACK_LIMITS = {"refuse": 2, "info": 5, "answer": 15, "publish": 2, "forward": 5}

MAX_COMMENT = 2000
MAX_CONTENT = 5000


def feedback_limits() -> dict[str, int]:
    return {**DEFAULT_FEEDBACK_LIMITS, **getattr(settings, "FEEDBACK_LIMITS", {})}


def _after_commit(signal, **kwargs) -> None:
    def send():
        for receiver, response in signal.send_robust(sender=Rating if signal is rating_recorded else Feedback,
                                                     **kwargs):
            if isinstance(response, Exception):
                logger.error("%r failed: %s", receiver, response, exc_info=response)

    transaction.on_commit(send)


def _leaders_of(agency_id: int) -> list[User]:
    return list(User.objects.filter(agency_id=agency_id, is_active=True, groups__name=Role.LEADER).order_by("pk"))


def agency_staff(agency_id: int, roles=(Role.LEADER, Role.CLERK)) -> list[User]:
    return list(User.objects.filter(agency_id=agency_id, is_active=True, groups__name__in=roles)
                .distinct().order_by("pk"))


def _notify(users, *, kind: str, key: str, rating=None, feedback=None, deadline=None) -> int:
    rows = [Notice(recipient=u, kind=kind, key=key, rating=rating, feedback=feedback, deadline=deadline)
            for u in users]
    Notice.objects.bulk_create(rows, ignore_conflicts=True)  # (recipient, key) is unique: once per event
    return len(rows)


# ----- ratings ----------------------------------------------------------------------------------------------

def clean_criteria(criteria: dict | None) -> dict[str, int]:
    """All nine criteria, each 0–2 points, or nothing at all (the evaluation is optional)."""
    if not criteria:
        return {}
    if not isinstance(criteria, dict):
        raise DomainError(_("Phần đánh giá theo tiêu chí không hợp lệ."), code="invalid_criteria")
    cleaned = {}
    for key in CRITERION_KEYS:
        value = criteria.get(key, criteria.get(int(key)))
        try:
            points = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Hãy chấm điểm đủ 9 tiêu chí (0, 1 hoặc 2 điểm mỗi tiêu chí)."),
                              code="invalid_criteria") from None
        if not 0 <= points <= CRITERION_MAX_POINTS:
            raise DomainError(_("Mỗi tiêu chí được chấm từ 0 đến 2 điểm."), code="invalid_criteria")
        cleaned[key] = points
    extra = {str(k) for k in criteria} - set(CRITERION_KEYS)
    if extra:
        raise DomainError(_("Phần đánh giá theo tiêu chí không hợp lệ."), code="invalid_criteria")
    return cleaned


def rating_submit(*, dossier: Dossier, level: int, criteria: dict | None = None, comment: str = "",
                  channel: str = RatingChannel.ONLINE, by: User | None = None,
                  now: dt.datetime | None = None) -> Rating:
    """The citizen's rating of a returned dossier: once per dossier; an unhappy one tells the leaders.

    Online, the authority is the dossier's tracking token (the link and the receipt's QR) checked by the
    view; at the kiosk, ``by`` is the staff account that opened the screen, of the receiving agency.
    """
    try:
        level = RatingLevel(int(level))
    except (TypeError, ValueError):
        raise DomainError(_("Hãy chọn mức độ hài lòng."), code="invalid_level") from None
    if channel not in RatingChannel.values:
        raise DomainError(_("Kênh đánh giá không hợp lệ."), code="invalid_channel")
    cleaned = clean_criteria(criteria)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("Góp ý dài tối đa %(n)s ký tự.") % {"n": MAX_COMMENT}, code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        kiosk_allowed = (by is not None and by.is_authenticated and by.is_portal_staff
                         and in_scope(by, locked.receiving_agency_id))
        if channel == RatingChannel.KIOSK and not kiosk_allowed:
            raise NotAllowed(_("Chỉ máy đánh giá của cơ quan tiếp nhận hồ sơ mới ghi nhận được đánh giá."))
        if locked.status != Status.RETURNED:
            raise Conflict(_("Hồ sơ chưa được trả kết quả nên chưa thể đánh giá."))
        if Rating.objects.filter(dossier=locked).exists():
            raise Conflict(_("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà."))
        clerk_id = (StepLog.objects.filter(dossier=locked, action="return_result").order_by("-at", "-id")
                    .values_list("by_id", flat=True).first())
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    dossier=locked, agency_id=locked.receiving_agency_id, procedure_id=locked.procedure_id,
                    clerk_id=clerk_id, level=level, criteria=cleaned,
                    criteria_points=sum(cleaned.values()) if cleaned else None, comment=comment, channel=channel,
                    recorded_by=by if channel == RatingChannel.KIOSK else None, created_at=now,
                )
        except IntegrityError:  # the row lock makes this unreachable; kept for a rating written by other means
            raise Conflict(_("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà.")) from None
        if rating.is_unhappy:
            _notify(_leaders_of(locked.receiving_agency_id), kind=NoticeKind.UNHAPPY_RATING,
                    key=f"rating{rating.pk}", rating=rating)
        _after_commit(rating_recorded, rating_id=rating.pk, dossier_id=locked.pk)
    return rating


# ----- feedback ---------------------------------------------------------------------------------------------

def _clean_text(value: str, *, required_message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(required_message, code="required")
    if len(value) > limit:
        raise DomainError(_("Nội dung dài tối đa %(n)s ký tự.") % {"n": limit}, code="too_long")
    return value


def _default_agency(procedure: Procedure | None, dossier: Dossier | None) -> Agency:
    if dossier is not None:
        return dossier.receiving_agency
    if procedure is not None:
        agencies = list(procedure.agencies.filter(is_active=True)[:2])
        if len(agencies) == 1:
            return agencies[0]
    roots = list(Agency.objects.filter(parent__isnull=True, is_active=True)[:2])
    if len(roots) == 1:
        return roots[0]  # the province's office routes what is not addressed to anyone
    raise DomainError(_("Hãy chọn cơ quan nhận phản ánh, kiến nghị."), code="agency_required")


def _set_deadlines(feedback: Feedback, start: dt.datetime) -> None:
    """Limits count from when the handling agency got the feedback, on that agency's working calendar."""
    limits = feedback_limits()
    agency = feedback.agency
    for field, limit in (("forward_due_at", "forward"), ("refuse_due_at", "refuse"), ("info_due_at", "info"),
                         ("answer_due_at", "answer")):
        setattr(feedback, field, deadlines.due_at(start=start, limit=limits[limit], agency=agency))


def _log(feedback: Feedback, action: str, *, by=None, at=None, note: str = "", from_agency=None, to_agency=None):
    FeedbackEvent.objects.create(feedback=feedback, action=action, by=by if by and by.is_authenticated else None,
                                 at=at or timezone.now(), note=note, from_agency=from_agency, to_agency=to_agency)


def feedback_submit(*, by: User | None, title: str, content: str, sender_name: str, sender_phone: str = "",
                    sender_email: str = "", sender_address: str = "", kind: str = FeedbackKind.REPORT,
                    topic: str = FeedbackTopic.SERVICE, agency: Agency | None = None,
                    procedure: Procedure | None = None, dossier: Dossier | None = None,
                    allow_publish: bool = False, follow_up_of: Feedback | None = None,
                    now: dt.datetime | None = None) -> Feedback:
    """Anyone may send feedback about a procedure, an agency or a dossier; it gets a code to look it up.

    The sender gives a phone number or an e-mail: the second factor of the public lookup.
    """
    title = _clean_text(title, required_message=_("Hãy nhập tiêu đề."), limit=255)
    content = _clean_text(content, required_message=_("Hãy nhập nội dung phản ánh, kiến nghị."), limit=MAX_CONTENT)
    sender_name = _clean_text(sender_name, required_message=_("Hãy nhập họ tên người gửi."), limit=150)
    sender_phone = normalize_phone(sender_phone or "")
    sender_email = (sender_email or "").strip()
    if not sender_phone and not sender_email:
        raise DomainError(_("Hãy để lại số điện thoại hoặc thư điện tử để nhận trả lời và tra cứu."),
                          code="contact_required")
    if sender_phone:
        try:
            validate_phone(sender_phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_phone") from None
    if sender_email:
        try:
            validate_email(sender_email)
        except ValidationError:
            raise DomainError(_("Địa chỉ thư điện tử không hợp lệ."), code="invalid_email") from None
    if kind not in FeedbackKind.values:
        raise DomainError(_("Loại phản ánh, kiến nghị không hợp lệ."), code="invalid_kind")
    if topic not in FeedbackTopic.values:
        raise DomainError(_("Nội dung liên quan không hợp lệ."), code="invalid_topic")
    if dossier is not None and dossier.status == Status.DRAFT:
        raise DomainError(_("Không tìm thấy hồ sơ."), code="invalid_dossier")
    if agency is not None and not agency.is_active:
        raise DomainError(_("Cơ quan đã chọn không còn hoạt động."), code="invalid_agency")
    if dossier is not None and procedure is None:
        procedure = dossier.procedure
    agency = agency or _default_agency(procedure, dossier)
    now = now or timezone.now()
    with transaction.atomic():
        for _attempt in range(5):
            feedback = Feedback(
                kind=kind, topic=topic, title=title, content=content, procedure=procedure, dossier=dossier,
                agency=agency, first_agency=agency, follow_up_of=follow_up_of,
                sender=by if by is not None and by.is_authenticated else None, sender_name=sender_name,
                sender_phone=sender_phone, sender_email=sender_email.lower(),
                sender_address=(sender_address or "").strip()[:255], allow_publish=bool(allow_publish),
                received_at=now, agency_received_at=now,
            )
            _set_deadlines(feedback, now)
            try:
                with transaction.atomic():
                    feedback.save()
                break
            except IntegrityError:  # a code collision (one in a billion a day): draw another code
                continue
        else:  # pragma: no cover
            raise DomainError(_("Không tạo được mã phản ánh, vui lòng thử lại."), code="code_collision")
        _log(feedback, "submit", by=by, at=now, to_agency=agency)
        _notify(agency_staff(agency.pk), kind=NoticeKind.FEEDBACK_NEW, key=f"fb{feedback.pk}:new:{agency.pk}",
                feedback=feedback, deadline=feedback.answer_due_at)
        if dossier is not None:
            _after_commit(feedback_recorded, feedback_id=feedback.pk, dossier_id=dossier.pk)
    return feedback


def _check_staff(feedback: Feedback, by: User, roles=(Role.CLERK, Role.SPECIALIST, Role.LEADER, Role.ADMIN)):
    if not by.is_authenticated or not (by.is_superuser or by.has_role(*roles)):
        raise NotAllowed(_("Bạn không có quyền xử lý phản ánh, kiến nghị."))
    if not in_scope(by, feedback.agency_id):
        raise NotAllowed(_("Phản ánh, kiến nghị này không thuộc phạm vi cơ quan của bạn."))


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().select_related("agency").get(pk=feedback.pk)


def _require_status(feedback: Feedback, *statuses: str, action: str) -> None:
    if feedback.status not in statuses:
        raise Conflict(_("Không thể %(action)s khi phản ánh đang ở trạng thái “%(status)s”.")
                       % {"action": action, "status": feedback.get_status_display()})


def feedback_forward(*, feedback: Feedback, by: User, to_agency: Agency, note: str = "",
                     now: dt.datetime | None = None) -> Feedback:
    """Misrouted feedback goes to the competent agency (within 5 working days); its limits restart there."""
    note = _clean_text(note, required_message=_("Hãy ghi rõ lý do chuyển."), limit=MAX_COMMENT)
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _check_staff(fb, by)
        _require_status(fb, FeedbackStatus.RECEIVED, action=_("chuyển"))
        if not isinstance(to_agency, Agency) or not to_agency.is_active or to_agency.pk == fb.agency_id:
            raise DomainError(_("Hãy chọn một cơ quan khác, đang hoạt động."), code="invalid_agency")
        from_agency = fb.agency
        fb.forwarded_late = fb.forwarded_late or (fb.forward_due_at is not None and now > fb.forward_due_at)
        fb.forwarded_at = now
        fb.agency = to_agency
        fb.agency_received_at = now
        _set_deadlines(fb, now)
        fb.save()
        _log(fb, "forward", by=by, at=now, note=note, from_agency=from_agency, to_agency=to_agency)
        _notify(agency_staff(to_agency.pk), kind=NoticeKind.FEEDBACK_NEW, key=f"fb{fb.pk}:new:{to_agency.pk}",
                feedback=fb, deadline=fb.answer_due_at)
    return fb


def feedback_refuse(*, feedback: Feedback, by: User, reason: str, now: dt.datetime | None = None) -> Feedback:
    reason = _clean_text(reason, required_message=_("Hãy nêu rõ lý do từ chối tiếp nhận."), limit=MAX_COMMENT)
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _check_staff(fb, by)
        _require_status(fb, FeedbackStatus.RECEIVED, action=_("từ chối tiếp nhận"))
        if fb.info_requested_at is not None:
            raise Conflict(_("Phản ánh đã được xem xét và đề nghị bổ sung; hãy trả lời thay vì từ chối."))
        fb.status = FeedbackStatus.REFUSED
        fb.refused_at = now
        fb.refuse_reason = reason
        fb.save()
        _log(fb, "refuse", by=by, at=now, note=reason)
    return fb


def feedback_request_info(*, feedback: Feedback, by: User, request: str, now: dt.datetime | None = None) -> Feedback:
    """Ask the sender for more (within 5 working days); the answer clock stops until they reply."""
    request = _clean_text(request, required_message=_("Hãy nêu thông tin cần bổ sung."), limit=MAX_COMMENT)
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _check_staff(fb, by)
        _require_status(fb, FeedbackStatus.RECEIVED, action=_("đề nghị bổ sung"))
        fb.status = FeedbackStatus.INFO_REQUESTED
        fb.info_requested_at = now
        fb.info_requested_late = fb.info_requested_late or (fb.info_due_at is not None and now > fb.info_due_at)
        fb.info_request = request
        fb.save()
        _log(fb, "request_info", by=by, at=now, note=request)
    return fb


def feedback_provide_info(*, feedback: Feedback, content: str, by: User | None = None,
                          now: dt.datetime | None = None) -> Feedback:
    """The sender's reply (after the lookup's second factor); the answer deadline moves by the time waited."""
    content = _clean_text(content, required_message=_("Hãy nhập thông tin bổ sung."), limit=MAX_CONTENT)
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _require_status(fb, FeedbackStatus.INFO_REQUESTED, action=_("bổ sung thông tin"))
        waited = deadlines.working_seconds_between(fb.info_requested_at, now, agency=fb.agency)
        if fb.answer_due_at is not None and waited:
            fb.answer_due_at = deadlines.add_working_seconds(fb.answer_due_at, waited, agency=fb.agency)
        fb.status = FeedbackStatus.RECEIVED
        fb.info_provided_at = now
        stamp = f"{timezone.localtime(now):%d/%m/%Y %H:%M}"
        fb.content = f"{fb.content}\n\n— {_('Thông tin bổ sung')} ({stamp}):\n{content}"
        fb.save()
        _log(fb, "provide_info", by=by, at=now, note=content[:MAX_COMMENT])
        _notify(agency_staff(fb.agency_id), kind=NoticeKind.FEEDBACK_NEW, key=f"fb{fb.pk}:info:{now.isoformat()}",
                feedback=fb, deadline=fb.answer_due_at)
    return fb


def feedback_answer(*, feedback: Feedback, by: User, answer: str, now: dt.datetime | None = None) -> Feedback:
    answer = _clean_text(answer, required_message=_("Hãy nhập nội dung trả lời."), limit=MAX_CONTENT)
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _check_staff(fb, by)
        _require_status(fb, FeedbackStatus.RECEIVED, action=_("trả lời"))
        fb.status = FeedbackStatus.ANSWERED
        fb.answer = answer
        fb.answered_at = now
        fb.answered_by = by
        if fb.allow_publish:
            fb.publish_due_at = deadlines.due_at(start=now, limit=feedback_limits()["publish"], agency=fb.agency)
        fb.save()
        _log(fb, "answer", by=by, at=now, note=answer[:MAX_COMMENT])
    return fb


def feedback_publish(*, feedback: Feedback, by: User, now: dt.datetime | None = None) -> Feedback:
    """Publish the question and the answer — only with the sender's consent; a leader decides."""
    now = now or timezone.now()
    with transaction.atomic():
        fb = _locked(feedback)
        _check_staff(fb, by, roles=(Role.LEADER, Role.ADMIN))
        _require_status(fb, FeedbackStatus.ANSWERED, action=_("công khai"))
        if not fb.allow_publish:
            raise Conflict(_("Người gửi không đồng ý công khai nên không thể công khai phản ánh này."))
        fb.status = FeedbackStatus.PUBLISHED
        fb.published_at = now
        fb.save()
        _log(fb, "publish", by=by, at=now)
    return fb


def feedback_rate_answer(*, feedback: Feedback, satisfied: bool) -> Feedback:
    """The sender says whether the answer satisfied them (Decision 766 indicator 5.3)."""
    with transaction.atomic():
        fb = _locked(feedback)
        _require_status(fb, FeedbackStatus.ANSWERED, FeedbackStatus.PUBLISHED, action=_("đánh giá kết quả trả lời"))
        if fb.sender_satisfied is not None:
            raise Conflict(_("Ông/bà đã đánh giá kết quả trả lời này."))
        fb.sender_satisfied = bool(satisfied)
        fb.save(update_fields=["sender_satisfied"])
        _log(fb, "rate_answer", note=_("Hài lòng") if satisfied else _("Không hài lòng"))
    return fb


def notice_mark_read(*, by: User, notice_ids=None, now: dt.datetime | None = None) -> int:
    qs = Notice.objects.filter(recipient=by, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=list(notice_ids))
    return qs.update(read_at=now or timezone.now())


def is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.roles & STAFF_ROLES))
