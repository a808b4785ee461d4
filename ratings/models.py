"""Citizens' satisfaction with a returned dossier, and feedback (phản ánh, kiến nghị — PAKN).

DOMAIN.md Part A "Satisfaction and feedback"; B §6 (the three levels, the 9-criterion evaluation) and
B §5 group 5 (the PAKN time limits the Decision 766 index measures).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from dossiers.models import Dossier
from procedures.models import Procedure


class RatingLevel(models.IntegerChoices):
    # The values the national portal and the Thanh Hóa kiosks store (B §6: answer 2/1/0).
    VERY_SATISFIED = 2, _("Rất hài lòng")
    SATISFIED = 1, _("Hài lòng")
    UNSATISFIED = 0, _("Không hài lòng")


# The evaluation of TTHC handling (ND 61 / TT 01/2018 model, B §6): 9 criteria, up to 2 points each.
CRITERIA = (
    ("1", _("Tổng thời gian giải quyết so với quy định")),
    ("2", _("Thời gian giải quyết tại từng cơ quan, kể cả cơ quan phối hợp")),
    ("3", _("Số lần phải liên hệ với Bộ phận Một cửa để hoàn thiện hồ sơ (kể cả trực tuyến)")),
    ("4", _("Số cơ quan, đơn vị phải liên hệ")),
    ("5", _("Việc tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa")),
    ("6", _("Việc công khai thủ tục hành chính")),
    ("7", _("Thái độ của cán bộ, công chức")),
    ("8", _("Việc tiếp nhận, xử lý phản ánh, kiến nghị")),
    ("9", _("Tiến độ, chất lượng cung cấp dịch vụ công trực tuyến")),
)
CRITERION_KEYS = tuple(key for key, _label in CRITERIA)
CRITERION_MAX_POINTS = 2
CRITERIA_MAX_TOTAL = CRITERION_MAX_POINTS * len(CRITERIA)

# What each point means on the form (the same three steps for every criterion).
CRITERION_POINTS = (
    (2, _("Tốt")),
    (1, _("Bình thường")),
    (0, _("Chưa tốt")),
)


class RatingChannel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến (đường dẫn, mã QR)")
    KIOSK = "kiosk", _("Máy đánh giá tại Bộ phận Một cửa")


class Rating(models.Model):
    """One rating per dossier, given after the result was returned; tied to the agency and the clerk."""

    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                   related_name="rating")
    # Copied from the dossier so the statistics group ratings without joining the dossiers table.
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="ratings")
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT,
                                  related_name="ratings")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cán bộ trả kết quả"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="ratings_received")
    level = models.PositiveSmallIntegerField(_("mức độ hài lòng"), choices=RatingLevel.choices)
    # {"1": 2, ..., "9": 1} when the citizen filled in the evaluation; empty otherwise.
    criteria = models.JSONField(_("đánh giá theo tiêu chí"), default=dict, blank=True)
    criteria_points = models.PositiveSmallIntegerField(_("tổng điểm tiêu chí"), null=True, blank=True)
    comment = models.TextField(_("góp ý"), blank=True)
    channel = models.CharField(_("kênh đánh giá"), max_length=10, choices=RatingChannel.choices)
    # The kiosk is a staff-opened screen the citizen touches: who opened it, not who rated.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("thời điểm đánh giá"), default=timezone.now)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="rating_agency_idx"),
        ]

    def __str__(self):
        return f"{self.dossier} — {self.get_level_display()}"

    @property
    def is_unhappy(self) -> bool:
        return self.level == RatingLevel.UNSATISFIED


# ----- feedback (phản ánh, kiến nghị) --------------------------------------------------------------------------


class FeedbackKind(models.TextChoices):
    REPORT = "phan_anh", _("Phản ánh")
    RECOMMENDATION = "kien_nghi", _("Kiến nghị")


class FeedbackTopic(models.TextChoices):
    # Decision 766 indicator 5.1 splits feedback about regulations from feedback about staff behaviour.
    REGULATION = "regulation", _("Quy định hành chính, thủ tục hành chính")
    CONDUCT = "conduct", _("Hành vi, thái độ của cán bộ, công chức")
    SERVICE = "service", _("Việc giải quyết hồ sơ, chất lượng dịch vụ")


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận, đang xử lý")
    INFO_REQUESTED = "info_requested", _("Đề nghị bổ sung thông tin")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    ANSWERED = "answered", _("Đã trả lời")
    PUBLISHED = "published", _("Đã công khai kết quả trả lời")


OPEN_FEEDBACK_STATUSES = (FeedbackStatus.RECEIVED, FeedbackStatus.INFO_REQUESTED)


def new_feedback_code() -> str:
    """'PA-260115-K7Q2MD': the day it arrived and six characters no one can guess (the lookup also asks for
    the sender's phone or e-mail)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"PA-{timezone.localdate():%y%m%d}-{tail}"


class Feedback(models.Model):
    """A citizen's phản ánh or kiến nghị about a procedure, an agency or a dossier."""

    code = models.CharField(_("mã phản ánh, kiến nghị"), max_length=20, unique=True, default=new_feedback_code)
    kind = models.CharField(_("loại"), max_length=10, choices=FeedbackKind.choices, default=FeedbackKind.REPORT)
    topic = models.CharField(_("nội dung liên quan đến"), max_length=12, choices=FeedbackTopic.choices,
                             default=FeedbackTopic.SERVICE)
    title = models.CharField(_("tiêu đề"), max_length=255)
    content = models.TextField(_("nội dung"))
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="feedback")
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="feedback")
    # The agency handling it now; it changes when misrouted feedback is forwarded.
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan xử lý"), on_delete=models.PROTECT,
                               related_name="feedback")
    first_agency = models.ForeignKey(Agency, verbose_name=_("cơ quan tiếp nhận ban đầu"), on_delete=models.PROTECT,
                                     related_name="+")
    follow_up_of = models.ForeignKey("self", verbose_name=_("phản ánh lại nội dung"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="follow_ups")

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="feedback_sent")
    sender_name = models.CharField(_("họ tên người gửi"), max_length=150)
    sender_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    sender_email = models.EmailField(_("thư điện tử"), blank=True)
    sender_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    allow_publish = models.BooleanField(_("đồng ý công khai nội dung và kết quả trả lời"), default=False)

    status = models.CharField(_("trạng thái"), max_length=16, choices=FeedbackStatus.choices,
                              default=FeedbackStatus.RECEIVED, db_index=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), default=timezone.now)
    # When the agency now handling it got it (= received_at unless forwarded): its own limits count from here.
    agency_received_at = models.DateTimeField(default=timezone.now)
    # Deadlines (working days on the handling agency's calendar, dossiers/deadlines.py).
    forward_due_at = models.DateTimeField(_("hạn chuyển cơ quan có thẩm quyền"), null=True, blank=True)
    refuse_due_at = models.DateTimeField(_("hạn từ chối tiếp nhận"), null=True, blank=True)
    info_due_at = models.DateTimeField(_("hạn đề nghị bổ sung thông tin"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    publish_due_at = models.DateTimeField(_("hạn công khai"), null=True, blank=True)
    # What happened when — the Decision 766 indicator 5.2 judges each against its deadline.
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_late = models.BooleanField(default=False)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    info_requested_late = models.BooleanField(default=False)
    info_request = models.TextField(_("nội dung đề nghị bổ sung"), blank=True)
    info_provided_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refuse_reason = models.TextField(_("lý do từ chối"), blank=True)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    published_at = models.DateTimeField(_("thời điểm công khai"), null=True, blank=True)
    # The sender's view of the answer (Decision 766 indicator 5.3: "disliked").
    sender_satisfied = models.BooleanField(_("người gửi hài lòng với kết quả trả lời"), null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "answer_due_at"], name="feedback_inbox_idx"),
            models.Index(fields=["-published_at"], name="feedback_published_idx",
                         condition=Q(status="published")),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FEEDBACK_STATUSES

    @property
    def current_due_at(self):
        """The deadline the agency is working against now."""
        if self.status == FeedbackStatus.RECEIVED:
            return self.answer_due_at
        if self.status == FeedbackStatus.ANSWERED and self.allow_publish:
            return self.publish_due_at
        return None


EVENT_LABELS = {
    "submit": _("Tiếp nhận phản ánh, kiến nghị"),
    "forward": _("Chuyển cơ quan có thẩm quyền"),
    "refuse": _("Từ chối tiếp nhận"),
    "request_info": _("Đề nghị bổ sung thông tin"),
    "provide_info": _("Người gửi bổ sung thông tin"),
    "answer": _("Trả lời"),
    "publish": _("Công khai kết quả trả lời"),
    "rate_answer": _("Người gửi đánh giá kết quả trả lời"),
}


class FeedbackEvent(models.Model):
    """The feedback's log: every step with who, when and where it went (append-only)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["feedback", "at", "id"]

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


# ----- staff notices (unhappy ratings, feedback deadlines) -------------------------------------------------------


class NoticeKind(models.TextChoices):
    UNHAPPY_RATING = "unhappy_rating", _("Người dân không hài lòng")
    FEEDBACK_NEW = "feedback_new", _("Phản ánh, kiến nghị mới")
    FEEDBACK_NEAR_DUE = "feedback_near_due", _("Phản ánh, kiến nghị sắp đến hạn trả lời")
    FEEDBACK_OVERDUE = "feedback_overdue", _("Phản ánh, kiến nghị quá hạn trả lời")
    PUBLISH_OVERDUE = "publish_overdue", _("Quá hạn công khai kết quả trả lời")


class Notice(models.Model):
    """One staff member's notice about a rating or a feedback, written exactly once per event.

    ``key`` names the event (e.g. ``fb12:overdue:2026-01-20T09:00``): rows are inserted with ON CONFLICT DO
    NOTHING on (recipient, key), so a sweep that runs twice, or overlaps another, never duplicates.
    The dossier alerts (dossiers.Alert) need a dossier; a feedback may have none, hence this table.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), on_delete=models.CASCADE,
                                  related_name="rating_notices")
    kind = models.CharField(_("loại"), max_length=20, choices=NoticeKind.choices)
    key = models.CharField(max_length=120)
    rating = models.ForeignKey(Rating, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    feedback = models.ForeignKey(Feedback, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    deadline = models.DateTimeField(_("thời hạn"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo cho cán bộ")
        verbose_name_plural = _("thông báo cho cán bộ")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notice_once_per_event")]
        indexes = [models.Index(fields=["recipient"], name="notice_unread_idx", condition=Q(read_at__isnull=True))]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
