"""A dossier (hồ sơ) from submission to result. Status changes only through dossiers/workflow.py."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency, IdentityDocType
from procedures.models import Procedure, ProcedureCase, ProcedureVersion, RequiredDocument, TimeUnit


class Status(models.TextChoices):
    """The ten national statuses (DOMAIN.md A "Workflow", B §1.6) plus the citizen's unsent draft."""

    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL = "financial", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


NATIONAL_STATUS_ID = {
    Status.DRAFT: None,
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REFUSED: 3,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT: 5,
    Status.FINANCIAL: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.RESULT_READY: 9,
    Status.RETURNED: 10,
}

# Statuses in which the dossier is still running against its deadline.
OPEN_STATUSES = (Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.FINANCIAL)
PAUSED_STATUSES = (Status.SUPPLEMENT,)


def is_open_status(status: str) -> bool:
    """Still to be decided: the clock runs or is paused for a supplement."""
    return status in OPEN_STATUSES or status in PAUSED_STATUSES


FINISHED_STATUSES = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY, Status.RETURNED)


class Substep(models.TextChoices):
    """Sub-steps of 'processing' (status 4)."""

    NONE = "", _("—")
    ASSIGNED = "assigned", _("Đã phân công")
    TRANSFERRED = "transferred", _("Chuyển liên thông")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ lãnh đạo phê duyệt")


class Channel(models.TextChoices):
    # National KenhThucHien: 1 desk, 2 online, 3 public postal service.
    DESK = "desk", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Bưu chính công ích")


class Delivery(models.TextChoices):
    DESK = "desk", _("Nhận tại Bộ phận Một cửa")
    POSTAL = "postal", _("Nhận qua bưu chính")
    ONLINE = "online", _("Nhận trực tuyến")


def new_tracking_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: opens the public tracking page from the receipt's QR


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True, null=True, blank=True)
    tracking_token = models.CharField(max_length=40, unique=True, default=new_tracking_token, editable=False)
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT,
                                  related_name="dossiers")
    # Frozen at reception (DOMAIN.md A "Procedure record").
    procedure_version = models.ForeignKey(ProcedureVersion, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="dossiers")
    case = models.ForeignKey(ProcedureCase, verbose_name=_("trường hợp"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="dossiers")
    time_limit = models.DecimalField(_("thời hạn giải quyết"), max_digits=6, decimal_places=2, null=True, blank=True)
    time_unit = models.CharField(max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS)

    applicant_name = models.CharField(_("họ tên người nộp"), max_length=150)
    applicant_id_type = models.CharField(_("loại giấy tờ"), max_length=20, choices=IdentityDocType.choices,
                                         default=IdentityDocType.CCCD)
    applicant_id_number = models.CharField(_("số giấy tờ"), max_length=20, blank=True, db_index=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, db_index=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    summary = models.CharField(_("trích yếu"), max_length=500, blank=True)

    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tài khoản nộp"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="dossiers")
    # A clerk filing an online dossier for a citizen (assisted digital).
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    delivery = models.CharField(_("hình thức nhận kết quả"), max_length=10, choices=Delivery.choices,
                                default=Delivery.DESK)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    substep = models.CharField(_("bước xử lý"), max_length=20, choices=Substep.choices, blank=True, default="")
    receiving_agency = models.ForeignKey(Agency, verbose_name=_("cơ quan tiếp nhận"), on_delete=models.PROTECT,
                                         related_name="received_dossiers")
    current_agency = models.ForeignKey(Agency, verbose_name=_("cơ quan đang xử lý"), on_delete=models.PROTECT,
                                       related_name="current_dossiers")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người đang xử lý"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="assigned_dossiers")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    route_step = models.PositiveSmallIntegerField(null=True, blank=True)  # RouteStep.order being worked on

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    confirm_due_at = models.DateTimeField(_("hạn xác nhận hồ sơ trực tuyến"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    # due_at is the appointment now in force; original_due_at is what statistics judge against.
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("ngày hẹn trả ban đầu"), null=True, blank=True)
    step_due_at = models.DateTimeField(_("hạn của bước hiện tại"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    processing_supplement_count = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(_("thời điểm kết thúc xử lý"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)

    fee_due_vnd = models.PositiveBigIntegerField(_("phí, lệ phí phải nộp"), null=True, blank=True)
    fee_paid_vnd = models.PositiveBigIntegerField(_("đã nộp phí, lệ phí"), null=True, blank=True)
    fee_receipt_number = models.CharField(_("số biên lai"), max_length=60, blank=True)
    fee_paid_at = models.DateTimeField(null=True, blank=True)
    paid_online = models.BooleanField(default=False)

    result_summary = models.CharField(_("trích yếu kết quả"), max_length=500, blank=True)
    result_file = models.FileField(_("kết quả điện tử"), upload_to="results/%Y/%m/", blank=True)
    collected_by_name = models.CharField(_("người nhận kết quả"), max_length=150, blank=True)
    collected_by_id_number = models.CharField(_("số giấy tờ người nhận"), max_length=20, blank=True)
    collected_on_behalf = models.BooleanField(_("nhận thay"), default=False)
    postal_tracking_number = models.CharField(_("số hiệu bưu gửi"), max_length=60, blank=True)
    outcome_reason = models.TextField(_("lý do"), blank=True)  # refusal / stop / withdrawal
    outcome_legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500, blank=True)
    is_digitised = models.BooleanField(_("đã số hóa"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The inbox: its count (and the sort's keys) read from the index alone on PostgreSQL, without
            # visiting each of the thousands of open dossiers of a busy department (SQLite ignores INCLUDE).
            models.Index(fields=["current_agency", "status", "due_at"], include=["assignee", "submitted_at"],
                         name="dossier_inbox_idx"),
            models.Index(fields=["submitted_by", "-created_at"], name="dossier_owner_idx"),
            models.Index(fields=["receiving_agency", "received_at"], name="dossier_book_idx"),
            # The deadline sweep reads only open dossiers, ordered by id (keyset pagination).
            models.Index(fields=["id"], name="dossier_open_idx",
                         condition=Q(status__in=["submitted", "received", "processing", "financial"])),
        ]

    def __str__(self):
        return self.code or f"#{self.pk}"

    @property
    def national_status_id(self) -> int | None:
        return NATIONAL_STATUS_ID[self.status]

    @property
    def is_open(self) -> bool:
        return is_open_status(self.status)


class CopyKind(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    CERTIFIED = "certified", _("Bản sao chứng thực")
    PHOTOCOPY = "photocopy", _("Bản chụp")


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    required_document = models.ForeignKey(RequiredDocument, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    file = models.FileField(upload_to="dossiers/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(_("loại tệp"), max_length=100)
    copy_kind = models.CharField(max_length=10, choices=CopyKind.choices, default=CopyKind.PHOTOCOPY)
    paper_originals = models.PositiveSmallIntegerField(default=0)
    paper_copies = models.PositiveSmallIntegerField(default=0)
    reused = models.BooleanField(default=False)  # taken from the citizen's document store (766 ind. 4.3/4.4)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "id"]

    def __str__(self):
        return self.original_name


class ChecklistItem(models.Model):
    """A paper document the desk ticked as received, with its counts (the receipt's document table)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="checklist")
    required_document = models.ForeignKey(RequiredDocument, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    name = models.CharField(max_length=500)
    originals = models.PositiveSmallIntegerField(default=0)
    certified_copies = models.PositiveSmallIntegerField(default=0)
    photocopies = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dossier", "id"]


class StepLog(models.Model):
    """One row per hand-over or action: the process-control sheet (phiếu kiểm soát)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    from_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    step_due_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="steplog_dossier_idx")]


class Pause(models.Model):
    """Clock stopped while the citizen supplements (DOMAIN.md "Time rules")."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    at_reception = models.BooleanField(default=False)
    items = models.JSONField(default=list)  # [{"document": ..., "reason": ...}] — every problem at once
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["dossier", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(ended_at__isnull=True),
                                    name="one_open_pause_per_dossier"),
        ]


class ExtensionKind(models.TextChoices):
    EXTENSION = "extension", _("Gia hạn")
    APOLOGY = "apology", _("Xin lỗi và hẹn lại")


class Extension(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="extensions")
    kind = models.CharField(max_length=10, choices=ExtensionKind.choices, default=ExtensionKind.APOLOGY)
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    reason = models.TextField()
    responsible_agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "created_at"]


class DailySequence(models.Model):
    """The counter row behind dossier codes: one row per agency and day, incremented under a row lock."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="daily_sequence_unique")]


class CalendarExceptionKind(models.TextChoices):
    DAY_OFF = "off", _("Ngày nghỉ")
    WORKING_DAY = "work", _("Ngày làm việc bù")


class CalendarException(models.Model):
    """Days the `holidays` package does not know: extra days off and make-up working days (làm bù)."""

    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=4, choices=CalendarExceptionKind.choices)
    name = models.CharField(_("lý do"), max_length=255)
    agency = models.ForeignKey(Agency, verbose_name=_("chỉ áp dụng cho cơ quan"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="calendar_exceptions")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ngày nghỉ / làm bù")
        verbose_name_plural = _("ngày nghỉ / làm bù")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "agency"], name="calendar_exception_unique"),
            models.UniqueConstraint(fields=["date"], condition=Q(agency__isnull=True),
                                    name="calendar_exception_unique_global"),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.name}"


class FormKind(models.TextChoices):
    """Circular 03/2025 numbering (Circular 01/2018 numbers in DOMAIN.md B §2 as aliases)."""

    RECEIPT = "01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "04", _("Văn bản xin lỗi và hẹn lại ngày trả kết quả")
    STOP = "05", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL_SHEET = "06", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    TRACKING_BOOK = "07", _("Sổ theo dõi hồ sơ")
    HANDOVER = "BN", _("Giấy biên nhận trả kết quả")
    PAYMENT_RECEIPT = "BL", _("Biên lai thu phí, lệ phí điện tử")


class IssuedDocument(models.Model):
    """A form as issued: stored so that a reprint is byte-for-byte the original."""

    kind = models.CharField(max_length=2, choices=FormKind.choices)
    number = models.CharField(_("số"), max_length=60)
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    period_start = models.DateField(null=True, blank=True)  # tracking book only
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "number"], name="issued_number_unique")]


# --- Deadlines that act: alerts for staff, the citizens' notification outbox ------------------------------


class AlertKind(models.TextChoices):
    NEAR_DUE = "near_due", _("Hồ sơ sắp đến hạn trả kết quả")
    OVERDUE = "overdue", _("Hồ sơ quá hạn trả kết quả")
    STEP_NEAR_DUE = "step_near_due", _("Bước xử lý sắp hết thời gian")
    STEP_OVERDUE = "step_overdue", _("Bước xử lý quá thời gian")
    CONFIRM_OVERDUE = "confirm_overdue", _("Hồ sơ trực tuyến quá hạn xác nhận")


class Alert(models.Model):
    """One person's warning about one deadline, written by the sweep (dossiers/alerts.py).

    The unique key is the sweep's idempotence: a rerun, two overlapping sweeps or a restarted worker insert
    with ON CONFLICT DO NOTHING and never duplicate. A new deadline (an extension, the next step) is a new key.
    """

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("loại cảnh báo"), max_length=20, choices=AlertKind.choices)
    deadline = models.DateTimeField(_("thời hạn"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), on_delete=models.CASCADE,
                                  related_name="alerts")
    created_at = models.DateTimeField(_("thời điểm cảnh báo"), default=timezone.now)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "kind", "deadline", "recipient"],
                                    name="alert_once_per_deadline"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="alert_recipient_idx"),
            # The header's unread count on every staff page.
            models.Index(fields=["recipient"], name="alert_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.dossier_id}"


class NotificationEvent(models.TextChoices):
    """The changes that matter to the citizen (and the staff's daily digest, sent through the same outbox)."""

    RECEIVED = "received", _("Hồ sơ đã được tiếp nhận")
    SUPPLEMENT = "supplement", _("Hồ sơ cần bổ sung")
    REFUSED = "refused", _("Hồ sơ không được tiếp nhận")
    FINANCIAL = "financial", _("Cần thực hiện nghĩa vụ tài chính")
    STOPPED = "stopped", _("Dừng giải quyết hồ sơ")
    RESULT_READY = "result_ready", _("Đã có kết quả giải quyết")
    DELAYED = "delayed", _("Hẹn lại ngày trả kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    ALERT_DIGEST = "alert_digest", _("Tổng hợp cảnh báo hằng ngày")


class NotifyChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class Notification(models.Model):
    """The outbox: one message to one address on one channel, sent by a Celery task (dossiers/tasks.py).

    The idempotency key (the step-log row + channel) makes the row unique per event, and is handed to the
    gateway so a provider that dedupes by key never delivers it twice even if we crash right after sending.
    """

    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notifications")
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="+")
    event = models.CharField(_("sự kiện"), max_length=20, choices=NotificationEvent.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=NotifyChannel.choices)
    address = models.CharField(_("địa chỉ nhận"), max_length=255)
    payload = models.JSONField(_("nội dung"), default=dict)  # rendered once: a retry sends the same words
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=NotificationStatus.choices,
                              default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "created_at"], name="notification_dossier_idx"),
            # The re-dispatch of messages whose enqueue was lost reads only pending rows.
            models.Index(fields=["created_at"], name="notification_pending_idx",
                         condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.address} ({self.get_channel_display()})"


# --- Fully online service: payments, the citizen's document store (issue 7) ------------------------------


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán không thành công")
    CANCELLED = "cancelled", _("Đã hủy thanh toán")


class Payment(models.Model):
    """One attempt to pay a dossier's fee through a gateway (dossiers/payments/).

    ``txn_ref`` is what the gateway echoes back (vnp_TxnRef): it finds the row, and the row lock on it is what
    makes a repeated or concurrent callback settle the payment once.
    """

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    amount_vnd = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING, db_index=True)
    provider = models.CharField(_("cổng thanh toán"), max_length=20)
    txn_ref = models.CharField(_("mã giao dịch"), max_length=40, unique=True)
    provider_reference = models.CharField(_("mã giao dịch tại cổng"), max_length=60, blank=True)
    bank_code = models.CharField(_("ngân hàng"), max_length=20, blank=True)
    response_code = models.CharField(_("mã phản hồi"), max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)
    settled_by = models.CharField(max_length=10, blank=True)  # "ipn" or "return": which callback settled it
    receipt = models.ForeignKey(IssuedDocument, verbose_name=_("biên lai điện tử"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("thanh toán trực tuyến")
        verbose_name_plural = _("thanh toán trực tuyến")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A dossier's fee is paid once: a second successful payment is refused at the database too.
            models.UniqueConstraint(fields=["dossier"], condition=Q(status="paid"),
                                    name="one_paid_payment_per_dossier"),
        ]

    def __str__(self):
        return f"{self.txn_ref} ({self.get_status_display()})"


class PaymentCallback(models.Model):
    """Every callback as received (IPN or browser return), valid or not: the raw log auditors ask for."""

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks")
    kind = models.CharField(max_length=10)  # "ipn" | "return"
    params = models.JSONField(default=dict)
    signature_valid = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)  # what we answered: "paid", "already_settled", "invalid_signature"...
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]


class StoredDocumentSource(models.TextChoices):
    UPLOAD = "upload", _("Tải lên khi nộp hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    DESK = "desk", _("Số hóa tại Bộ phận Một cửa")


class StoredDocument(models.Model):
    """A file in the citizen's document store (kho giấy tờ): attachable to a new dossier without uploading
    again (Decision 766 indicators on reuse of digitised documents)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chủ sở hữu"), on_delete=models.CASCADE,
                              related_name="stored_documents")
    title = models.CharField(_("tên giấy tờ"), max_length=500)
    file = models.FileField(upload_to="store/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    source = models.CharField(_("nguồn"), max_length=10, choices=StoredDocumentSource.choices)
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("giấy tờ trong kho")
        verbose_name_plural = _("kho giấy tờ")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same bytes are kept once per owner: uploading a file again does not fill the store twice.
            models.UniqueConstraint(fields=["owner", "sha256"], name="stored_document_once_per_owner"),
        ]

    def __str__(self):
        return self.title


class ResultDownload(models.Model):
    """Who downloaded an electronic result and when (dossiers/results.py): the access log of a signed result."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="result_downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
