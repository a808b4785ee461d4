"""The desk queue: taking a number at the kiosk and calling the next ticket at a counter.

Services (write) and selectors (read) for tickets, kept apart from the dossier desk in services.py
because they are a separate concept: a ticket never changes a dossier.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency, User
from accounts.roles import Role

from .models import Counter, DeskService, Priority, Ticket, TicketStatus


def today() -> dt.date:
    return timezone.localdate()


# --- services ------------------------------------------------------------------------------------------

def ticket_take(*, service: DeskService, priority: str = "") -> Ticket:
    """Give the next number of the day for ``service``. Public (the kiosk has no user)."""
    if priority not in Priority.values:
        raise DomainError(_("Đối tượng ưu tiên không hợp lệ."), code="invalid_priority")
    if not service.is_active or not service.agency.is_active:
        raise Conflict(_("Dịch vụ này hiện không nhận lấy số."), code="service_closed")
    day = today()
    with transaction.atomic():
        # The service row is the lock that serialises numbering (the unique constraint is the safety net).
        DeskService.objects.select_for_update().get(pk=service.pk)
        last = Ticket.objects.filter(service=service, day=day).aggregate(m=Max("number"))["m"] or 0
        return Ticket.objects.create(
            agency_id=service.agency_id, service=service, day=day, number=last + 1,
            priority=priority, is_priority=bool(priority),
        )


def _check_counter(counter: Counter, by: User) -> None:
    if not by.has_role(Role.CLERK):
        raise NotAllowed(_("Chỉ cán bộ Bộ phận Một cửa được gọi số."))
    if counter.agency_id != by.agency_id:
        raise NotAllowed(_("Quầy này không thuộc cơ quan của bạn."))
    if not counter.is_active:
        raise Conflict(_("Quầy này đang đóng."), code="counter_closed")


def ticket_call_next(*, counter: Counter, by: User) -> Ticket | None:
    """Finish the counter's current ticket and call the next one: priority tickets first, then FIFO.

    Safe when several clerks press "next" at the same moment: each transaction locks the row it takes
    and skips rows another clerk holds (PostgreSQL ``FOR UPDATE SKIP LOCKED``); SQLite serialises
    write transactions anyway (settings: ``transaction_mode=IMMEDIATE``). Returns None when nobody waits.
    """
    _check_counter(counter, by)
    now = timezone.now()
    with transaction.atomic():
        Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED).update(
            status=TicketStatus.SERVED, finished_at=now
        )
        waiting = Ticket.objects.filter(
            service__in=counter.services.filter(is_active=True).values("pk"),
            day=timezone.localdate(now),
            status=TicketStatus.WAITING,
        ).order_by("-is_priority", "id")
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        ticket = waiting.first()
        if ticket is None:
            return None
        ticket.status = TicketStatus.CALLED
        ticket.counter = counter
        ticket.called_by = by
        ticket.called_at = now
        ticket.save(update_fields=["status", "counter", "called_by", "called_at"])
    return ticket


def ticket_recall(*, ticket: Ticket, by: User) -> Ticket:
    """Call the same number again (the board shows it on top once more)."""
    if ticket.counter is None or ticket.status != TicketStatus.CALLED:
        raise Conflict(_("Số này không đang được gọi."), code="not_called")
    _check_counter(ticket.counter, by)
    ticket.called_at = timezone.now()
    ticket.save(update_fields=["called_at"])
    return ticket


def ticket_finish(*, ticket: Ticket, by: User, skipped: bool = False) -> Ticket:
    """Mark the ticket at the counter served, or skipped when the person did not come."""
    if ticket.counter is None or ticket.status != TicketStatus.CALLED:
        raise Conflict(_("Số này không đang được gọi."), code="not_called")
    _check_counter(ticket.counter, by)
    ticket.status = TicketStatus.SKIPPED if skipped else TicketStatus.SERVED
    ticket.finished_at = timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    return ticket


# --- selectors -----------------------------------------------------------------------------------------

def services_for_kiosk(agency: Agency):
    return DeskService.objects.filter(agency=agency, is_active=True).order_by("order", "letter")


def counters_of(agency_id: int | None):
    return Counter.objects.filter(agency_id=agency_id, is_active=True).prefetch_related("services")


def current_ticket(counter: Counter) -> Ticket | None:
    return (Ticket.objects.select_related("service")
            .filter(counter=counter, status=TicketStatus.CALLED).order_by("-called_at").first())


@dataclass(frozen=True)
class BoardRow:
    counter_number: int
    counter_name: str
    ticket_label: str
    is_priority: bool
    called_at: dt.datetime


def board(agency: Agency, *, limit: int = 8) -> dict:
    """What the waiting-room display shows: the numbers being served (latest call first) and who waits."""
    day = today()
    called = list(
        Ticket.objects.filter(agency=agency, day=day, status=TicketStatus.CALLED)
        .select_related("service", "counter").order_by("-called_at")[:limit]
    )
    waiting = (
        DeskService.objects.filter(agency=agency, is_active=True)
        .annotate(waiting=Count("tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING)))
        .order_by("order", "letter")
    )
    rows = [BoardRow(t.counter.number, t.counter.name, t.label, t.is_priority, t.called_at)
            for t in called if t.counter is not None]
    services = list(waiting)
    # A fingerprint of what is on screen: the display only redraws (and a screen reader only speaks) on change.
    state = repr([(r.ticket_label, r.counter_number, r.called_at.isoformat()) for r in rows]
                 + [(s.pk, s.waiting) for s in services])
    return {"called": rows, "services": services, "version": hashlib.sha1(state.encode()).hexdigest()[:12]}


def people_ahead(ticket: Ticket) -> int:
    """How many waiting tickets of the same service will be called before this one."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    ahead = Ticket.objects.filter(service_id=ticket.service_id, day=ticket.day, status=TicketStatus.WAITING)
    if ticket.is_priority:
        ahead = ahead.filter(is_priority=True, id__lt=ticket.id)
    else:
        ahead = ahead.filter(Q(is_priority=True) | Q(id__lt=ticket.id))
    return ahead.count()


def waiting_count(counter: Counter) -> int:
    return Ticket.objects.filter(
        service__in=counter.services.values("pk"), day=today(), status=TicketStatus.WAITING
    ).count()
