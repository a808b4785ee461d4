"""The desk queue: numbering, priority, calling next (also under concurrency), scope."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from accounts.errors import Conflict, DomainError, NotAllowed
from reception import queue
from reception.models import Priority, Ticket, TicketStatus
from tests.factories import citizen

from .conftest import make_counter

postgres_only = pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL (DATABASE_URL)")


def test_numbers_restart_per_service_and_run_in_order(service, service_b):
    a1 = queue.ticket_take(service=service)
    a2 = queue.ticket_take(service=service)
    b1 = queue.ticket_take(service=service_b)
    assert (a1.label, a2.label, b1.label) == ("A001", "A002", "B001")


def test_numbers_start_again_the_next_day(service):
    Ticket.objects.create(agency=service.agency, service=service, day=queue.today() - dt.timedelta(days=1),
                          number=41)
    assert queue.ticket_take(service=service).number == 1


def test_unknown_priority_is_refused(service):
    with pytest.raises(DomainError):
        queue.ticket_take(service=service, priority="vip")
    assert not Ticket.objects.exists()


def test_closed_service_gives_no_number(service):
    service.is_active = False
    service.save()
    with pytest.raises(Conflict):
        queue.ticket_take(service=service)


def test_priority_tickets_are_called_first_then_first_come_first_served(service, counter, clerk):
    first = queue.ticket_take(service=service)
    second = queue.ticket_take(service=service)
    elderly = queue.ticket_take(service=service, priority=Priority.ELDERLY)
    pregnant = queue.ticket_take(service=service, priority=Priority.PREGNANT)
    called = [queue.ticket_call_next(counter=counter, by=clerk) for _ in range(4)]
    assert [t.pk for t in called] == [elderly.pk, pregnant.pk, first.pk, second.pk]
    assert queue.ticket_call_next(counter=counter, by=clerk) is None


def test_calling_next_finishes_the_current_ticket(service, counter, clerk):
    one, two = queue.ticket_take(service=service), queue.ticket_take(service=service)
    queue.ticket_call_next(counter=counter, by=clerk)
    called = queue.ticket_call_next(counter=counter, by=clerk)
    one.refresh_from_db()
    assert one.status == TicketStatus.SERVED and one.finished_at is not None
    assert called.pk == two.pk and called.status == TicketStatus.CALLED
    assert called.counter == counter and called.called_by == clerk and called.called_at is not None


def test_a_counter_calls_only_the_services_it_serves(agency, service, service_b, clerk):
    counter_b = make_counter(agency, 3, service_b)
    queue.ticket_take(service=service)
    b1 = queue.ticket_take(service=service_b)
    assert queue.ticket_call_next(counter=counter_b, by=clerk).pk == b1.pk
    assert queue.ticket_call_next(counter=counter_b, by=clerk) is None


def test_yesterdays_tickets_are_not_called(service, counter, clerk):
    Ticket.objects.create(agency=service.agency, service=service, day=queue.today() - dt.timedelta(days=1),
                          number=1)
    assert queue.ticket_call_next(counter=counter, by=clerk) is None


def test_a_clerk_of_another_agency_cannot_call_at_this_counter(service, counter, foreign_clerk):
    queue.ticket_take(service=service)
    with pytest.raises(NotAllowed):
        queue.ticket_call_next(counter=counter, by=foreign_clerk)
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_a_citizen_cannot_call_tickets(agency, service, counter):
    queue.ticket_take(service=service)
    with pytest.raises(NotAllowed):
        queue.ticket_call_next(counter=counter, by=citizen(agency=agency))


def test_skip_and_recall(service, counter, clerk):
    queue.ticket_take(service=service)
    ticket = queue.ticket_call_next(counter=counter, by=clerk)
    first_call = ticket.called_at
    queue.ticket_recall(ticket=ticket, by=clerk)
    assert ticket.called_at >= first_call
    queue.ticket_finish(ticket=ticket, by=clerk, skipped=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SKIPPED
    with pytest.raises(Conflict):
        queue.ticket_recall(ticket=ticket, by=clerk)


def test_people_ahead_counts_priority_tickets_before_ordinary_ones(service):
    queue.ticket_take(service=service)
    mine = queue.ticket_take(service=service)
    queue.ticket_take(service=service, priority=Priority.DISABLED)
    elderly = queue.ticket_take(service=service, priority=Priority.ELDERLY)
    assert queue.people_ahead(mine) == 3  # the first ticket, then both priority tickets jump ahead
    assert queue.people_ahead(elderly) == 1  # only the disabled person, who came earlier


# --- concurrency (PostgreSQL: real row locks) ---------------------------------------------------------

def _in_thread(fn, results, index, barrier=None):
    try:
        if barrier is not None:
            barrier.wait(timeout=10)
        results[index] = fn()
    except Exception as exc:  # surfaced by the assertion in the test
        results[index] = exc
    finally:
        connection.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clerks_calling_next_at_once_get_different_tickets(service, counter, counter2, clerk, clerk2):
    tickets = [queue.ticket_take(service=service) for _ in range(2)]
    results = [None, None]
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(target=_in_thread, args=(lambda c=c, u=u: queue.ticket_call_next(counter=c, by=u),
                                                  results, i, barrier))
        for i, (c, u) in enumerate([(counter, clerk), (counter2, clerk2)])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert all(isinstance(r, Ticket) for r in results), results
    assert {r.pk for r in results} == {t.pk for t in tickets}
    assert {r.counter_id for r in results} == {counter.pk, counter2.pk}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_call_next_skips_a_ticket_another_clerk_is_taking(service, counter, counter2, clerk, clerk2):
    """Deterministic: while one transaction holds the first ticket, "next" takes the second at once."""
    first = queue.ticket_take(service=service)
    second = queue.ticket_take(service=service)
    locked, release = threading.Event(), threading.Event()

    def hold_first():
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(timeout=20)
        return True

    results = [None, None]
    holder = threading.Thread(target=_in_thread, args=(hold_first, results, 0))
    holder.start()
    assert locked.wait(timeout=10)
    caller = threading.Thread(
        target=_in_thread, args=(lambda: queue.ticket_call_next(counter=counter2, by=clerk2), results, 1)
    )
    caller.start()
    caller.join(timeout=5)
    blocked = caller.is_alive()
    release.set()
    caller.join(timeout=20)
    holder.join(timeout=20)
    assert not blocked, "call-next waited for the locked ticket instead of skipping it"
    assert isinstance(results[1], Ticket) and results[1].pk == second.pk


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_kiosks_taking_numbers_at_once_never_share_a_number(service):
    n = 6
    results = [None] * n
    barrier = threading.Barrier(n)
    threads = [threading.Thread(target=_in_thread, args=(lambda: queue.ticket_take(service=service), results, i,
                                                         barrier)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert all(isinstance(r, Ticket) for r in results), results
    assert sorted(r.number for r in results) == list(range(1, n + 1))


def test_seed_desk_queue_is_idempotent(agency):
    from django.core.management import call_command

    from reception.models import Counter, DeskService

    call_command("seed_desk_queue", agency.code, counters=2)
    call_command("seed_desk_queue", agency.code, counters=2)
    assert list(DeskService.objects.filter(agency=agency).values_list("letter", flat=True)) == ["A", "B", "C"]
    assert Counter.objects.filter(agency=agency).count() == 2
    assert all(c.services.count() == 3 for c in Counter.objects.filter(agency=agency))
