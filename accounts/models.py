import datetime as dt

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import STAFF_ROLES, Role
from .validators import normalize_phone, validate_cccd, validate_phone


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("Bộ, ngành")
    PROVINCE = "province", _("Tỉnh, thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    DISTRICT = "district", _("Huyện (trước 01/7/2025)")
    COMMUNE = "commune", _("Xã, phường, đặc khu")


class Agency(models.Model):
    """An agency with its electronic organisation ID (QĐ 20/2020), the prefix of its dossier codes."""

    code = models.CharField(_("mã định danh điện tử"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    kind = models.CharField(_("cấp"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("cơ quan cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    # Working sessions (DOMAIN.md "Time rules"); the calendar in dossiers/deadlines.py reads them.
    morning_start = models.TimeField(_("sáng từ"), default=dt.time(7, 0))
    morning_end = models.TimeField(_("sáng đến"), default=dt.time(11, 30))
    afternoon_start = models.TimeField(_("chiều từ"), default=dt.time(13, 30))
    afternoon_end = models.TimeField(_("chiều đến"), default=dt.time(17, 0))
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def working_hours_display(self) -> str:
        f = "%H:%M"
        return (
            f"{self.morning_start:{f}}–{self.morning_end:{f}}, "
            f"{self.afternoon_start:{f}}–{self.afternoon_end:{f}}"
        )


class IdentityDocType(models.TextChoices):
    CCCD = "cccd", _("Căn cước công dân")
    CAN_CUOC = "can_cuoc", _("Thẻ căn cước")
    CMND = "cmnd", _("Chứng minh nhân dân")
    PASSPORT = "passport", _("Hộ chiếu")


class PortalUserManager(UserManager):
    def get_by_login(self, login: str):
        """A citizen signs in with a phone number or an e-mail; staff may also use their username."""
        login = (login or "").strip()
        if "@" in login:
            return self.get(email__iexact=login)
        phone = normalize_phone(login)
        if phone.isdigit():
            try:
                return self.get(phone=phone)
            except self.model.DoesNotExist:
                pass
        return self.get(username=login)


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(
        _("số điện thoại"), max_length=15, unique=True, null=True, blank=True, validators=[validate_phone]
    )
    email = models.EmailField(_("thư điện tử"), blank=True)
    cccd = models.CharField(
        _("số CCCD"), max_length=12, unique=True, null=True, blank=True, validators=[validate_cccd]
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff",
    )
    # Set by the national sign-on (accounts/identity.py) when the identity provider vouched for the CCCD.
    identity_verified = models.BooleanField(_("đã xác thực định danh"), default=False)
    oidc_subject = models.CharField(max_length=255, unique=True, null=True, blank=True)

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="user_email_unique_ci", condition=~models.Q(email="")
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        if self.phone:
            self.phone = normalize_phone(self.phone)
        if self.phone == "":
            self.phone = None
        if self.cccd == "":
            self.cccd = None
        super().save(*args, **kwargs)

    @cached_property
    def roles(self) -> frozenset[str]:
        if self.is_superuser:
            return frozenset(Role.values)
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_portal_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)
