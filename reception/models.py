"""The desk's queue (số thứ tự): services the desk offers, its counters, and the numbered tickets.

Dossiers themselves live in ``dossiers``; the desk writes them only through ``dossiers.services``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency


class DeskService(models.Model):
    """A line of the queue (e.g. "A — Hộ tịch, chứng thực"); ticket numbers restart each day per service."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="desk_services")
    letter = models.CharField(_("chữ cái đầu số"), max_length=2,
                              help_text=_("In trước số thứ tự, ví dụ A → A012."))
    name = models.CharField(_("tên dịch vụ"), max_length=255)
    fields = models.ManyToManyField("procedures.Field", verbose_name=_("lĩnh vực phục vụ"), blank=True,
                                    related_name="+")
    order = models.PositiveSmallIntegerField(_("thứ tự hiển thị"), default=0)
    is_active = models.BooleanField(_("đang phục vụ"), default=True)

    class Meta:
        verbose_name = _("dịch vụ lấy số")
        verbose_name_plural = _("dịch vụ lấy số")
        ordering = ["agency", "order", "letter"]
        constraints = [models.UniqueConstraint(fields=["agency", "letter"], name="desk_service_letter_unique")]

    def __str__(self):
        return f"{self.letter} — {self.name}"


class Counter(models.Model):
    """A physical counter (quầy) and the services its clerk calls tickets for."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=255, blank=True)
    services = models.ManyToManyField(DeskService, verbose_name=_("dịch vụ phục vụ"), related_name="counters")
    is_active = models.BooleanField(_("đang mở"), default=True)

    class Meta:
        verbose_name = _("quầy")
        verbose_name_plural = _("quầy")
        ordering = ["agency", "number"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="counter_number_unique")]

    def __str__(self):
        label = _("Quầy %(n)s") % {"n": self.number}
        return f"{label} — {self.name}" if self.name else str(label)


class Priority(models.TextChoices):
    """Who is served first (Law on the Elderly art. 4, Law on Persons with Disabilities art. 4, ND 118 art. 9)."""

    NONE = "", _("Không ưu tiên")
    ELDERLY = "elderly", _("Người cao tuổi")
    DISABLED = "disabled", _("Người khuyết tật")
    PREGNANT = "pregnant", _("Phụ nữ mang thai")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    CALLED = "called", _("Đang được phục vụ")
    SERVED = "served", _("Đã phục vụ")
    SKIPPED = "skipped", _("Vắng mặt khi gọi")


def new_ticket_token() -> str:
    return secrets.token_urlsafe(12)


class Ticket(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(DeskService, verbose_name=_("dịch vụ"), on_delete=models.PROTECT,
                                related_name="tickets")
    day = models.DateField(_("ngày"))
    number = models.PositiveIntegerField(_("số thứ tự"))
    priority = models.CharField(_("ưu tiên"), max_length=10, choices=Priority.choices, blank=True, default="")
    # Denormalised from ``priority`` so "priority first, then FIFO" is one index scan.
    is_priority = models.BooleanField(default=False)
    status = models.CharField(_("trạng thái"), max_length=10, choices=TicketStatus.choices,
                              default=TicketStatus.WAITING)
    # The printed ticket page is public; an unguessable token keeps people from browsing others' tickets.
    token = models.CharField(max_length=24, unique=True, default=new_ticket_token, editable=False)
    created_at = models.DateTimeField(_("giờ lấy số"), auto_now_add=True)
    counter = models.ForeignKey(Counter, verbose_name=_("quầy"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tickets")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cán bộ gọi"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    called_at = models.DateTimeField(_("giờ gọi"), null=True, blank=True)
    finished_at = models.DateTimeField(_("giờ kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("số thứ tự")
        verbose_name_plural = _("số thứ tự")
        ordering = ["day", "-is_priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "day", "number"], name="ticket_number_per_day_unique"),
            models.CheckConstraint(
                condition=Q(is_priority=False, priority="") | (Q(is_priority=True) & ~Q(priority="")),
                name="ticket_priority_consistent",
            ),
        ]
        indexes = [
            # "Call next": waiting tickets of the day, priority first, then first come first served.
            models.Index(fields=["service", "day", "-is_priority", "id"], name="ticket_waiting_idx",
                         condition=Q(status="waiting")),
            models.Index(fields=["agency", "day", "status"], name="ticket_board_idx"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.service.letter}{self.number:03d}"
