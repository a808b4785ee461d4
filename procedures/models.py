"""The public catalog: what a published procedure record holds (DOMAIN.md Part A "Procedure record", B §3)."""

import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from accounts.roles import Role

from .text import fold


class Level(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    DISTRICT = "district", _("Cấp huyện (trước 01/7/2025)")


class OnlineLevel(models.TextChoices):
    FULL = "toan_trinh", _("Toàn trình (mức độ 4)")
    PARTIAL = "mot_phan", _("Một phần (mức độ 3)")
    NONE = "none", _("Không cung cấp trực tuyến")
    # The source did not say (README of the seed data: show "not published", never invent "not online").
    UNPUBLISHED = "chua_cong_bo", _("Chưa công bố")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")


class Field(models.Model):
    """Lĩnh vực."""

    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Procedure(models.Model):
    """A procedure as published. Its time limits and documents live in its versions' cases."""

    code = models.CharField(
        _("mã thủ tục"), max_length=40, unique=True,
        help_text=_("Mã trên CSDL quốc gia (1.001193); thủ tục chưa có mã quốc gia mang mã địa phương."),
    )
    national_code_published = models.BooleanField(_("có mã quốc gia"), default=True)
    local_code = models.CharField(_("mã áp dụng tại địa phương"), max_length=60, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    search_text = models.TextField(editable=False, db_index=False, default="")
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=Level.choices)
    level_note = models.CharField(_("ghi chú cấp thực hiện"), max_length=255, blank=True)
    agencies = models.ManyToManyField(Agency, verbose_name=_("cơ quan thực hiện"), blank=True,
                                      related_name="procedures")
    coordinating_agencies = models.CharField(_("cơ quan phối hợp"), max_length=500, blank=True)
    steps = models.JSONField(_("trình tự thực hiện"), default=list, blank=True)
    accepts_desk = models.BooleanField(_("nộp trực tiếp"), default=True)
    accepts_postal = models.BooleanField(_("nộp qua bưu chính công ích"), default=True)
    accepts_online = models.BooleanField(_("nộp trực tuyến"), default=False)
    postal_return = models.BooleanField(_("trả kết quả qua bưu chính"), default=True)
    online_level = models.CharField(_("mức độ dịch vụ công trực tuyến"), max_length=20,
                                    choices=OnlineLevel.choices, default=OnlineLevel.NONE)
    # None = not published (the seeds leave unknown fees empty: never show an invented 0).
    fee_vnd = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_note = models.CharField(_("ghi chú phí, lệ phí"), max_length=500, blank=True)
    applicants = models.TextField(_("đối tượng thực hiện"), blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result = models.CharField(_("kết quả thực hiện"), max_length=500, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    current_version = models.ForeignKey(
        "ProcedureVersion", verbose_name=_("phiên bản hiện hành"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field__name", "name"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        # Text pasted from old TCVN3/VNI conversions is often decomposed (NFD); store one spelling.
        self.name = unicodedata.normalize("NFC", self.name)
        self.search_text = self.build_search_text(self.code, self.name, self.local_code)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", args=[self.code])

    @staticmethod
    def build_search_text(code: str, name: str, local_code: str = "") -> str:
        """What search matches against; also for rows written without ``save()`` (bulk_create)."""
        return fold(" ".join(part for part in (code, local_code, name) if part))

    @property
    def is_online(self) -> bool:
        return self.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)


class ProcedureVersion(models.Model):
    """One published content of a procedure (publication decision, effective date). Dossiers freeze it."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    decision_number = models.CharField(_("quyết định công bố"), max_length=120, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    effective_from = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-effective_from", "-id"]

    def __str__(self):
        return f"{self.procedure.code} — {self.decision_number or self.pk}"


class ProcedureCase(models.Model):
    """A case (trường hợp) with its own documents and time limit."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(_("trường hợp"), max_length=500, default="Trường hợp chung")
    order = models.PositiveSmallIntegerField(default=0)
    # None = not published. 0 with working days = a same-day service (15:00 cut-off).
    legal_time = models.DecimalField(_("thời hạn theo luật"), max_digits=6, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal(0))])
    committed_time = models.DecimalField(_("thời hạn cơ quan cam kết"), max_digits=6, decimal_places=2,
                                         null=True, blank=True, validators=[MinValueValidator(Decimal(0))])
    time_unit = models.CharField(_("đơn vị thời gian"), max_length=20, choices=TimeUnit.choices,
                                 default=TimeUnit.WORKING_DAYS)
    time_note = models.CharField(_("ghi chú thời hạn"), max_length=500, blank=True)
    fee_vnd = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trường hợp")
        verbose_name_plural = _("trường hợp")
        ordering = ["version", "order", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.committed_time is not None and self.legal_time is not None and self.committed_time > self.legal_time:
            raise ValidationError(
                {"committed_time": _("Thời hạn cơ quan cam kết không được dài hơn thời hạn theo luật.")}
            )

    @property
    def time_limit(self) -> Decimal | None:
        """The time the dossier's appointment is computed from: the agency's commitment when shorter."""
        return self.committed_time if self.committed_time is not None else self.legal_time

    @property
    def is_same_day(self) -> bool:
        return self.time_limit == 0 and self.time_unit == TimeUnit.WORKING_DAYS


class RequiredDocument(models.Model):
    """Thành phần hồ sơ."""

    case = models.ForeignKey(ProcedureCase, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    is_required = models.BooleanField(_("bắt buộc"), default=True)
    form_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=255, blank=True)
    form_file = models.FileField(_("tệp mẫu"), upload_to="forms/", blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["case", "order", "id"]

    def __str__(self):
        return self.name


class RouteStep(models.Model):
    """The internal route: ordered steps and the share of the time limit each may use."""

    case = models.ForeignKey(ProcedureCase, on_delete=models.CASCADE, related_name="route")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(_("bước"), max_length=255)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan (để trống: cơ quan tiếp nhận)"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    share_percent = models.DecimalField(_("tỷ lệ thời gian (%)"), max_digits=5, decimal_places=2,
                                        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["case", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="route_step_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.name}"
