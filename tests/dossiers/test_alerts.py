"""The deadline sweep's rules at their boundaries, its idempotence, and the staff's alert pages.

Times are fixed and handed to ``sweep(now=...)``; "2026-03-09 10:00" is Vietnamese wall-clock time
(Monday). Working time: Mon–Fri 07:00–11:30, 13:30–17:00; near due = less than 8 working hours left.
"""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from dossiers import alerts, deadlines, services
from dossiers.models import (
    Alert,
    AlertKind,
    CalendarException,
    CalendarExceptionKind,
    Channel,
    Dossier,
    Pause,
    Status,
)
from tests.dossiers.alert_helpers import Office, alerts_of, at
from tests.factories import UserFactory, citizen

NEAR, OVERDUE = AlertKind.NEAR_DUE, AlertKind.OVERDUE
STEP_NEAR, STEP_OVERDUE = AlertKind.STEP_NEAR_DUE, AlertKind.STEP_OVERDUE

postgres_only = pytest.mark.skipif(not settings.IS_POSTGRES, reason="advisory locks need PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Calendar rows written by a test vanish on rollback without a post_delete signal: forget them.
    deadlines.clear_calendar_cache()
    yield
    deadlines.clear_calendar_cache()


@pytest.fixture
def office(db):
    return Office("UBND xã Thử Nghiệm")


def everyone(office, kind):
    return {(kind, office.specialist.pk), (kind, office.leader.pk), (kind, office.clerk.pk)}


# ----- the dossier's appointment -------------------------------------------------------------------------


def test_exactly_due_counts_as_near_due_not_overdue(office):
    d = office.dossier(due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 10:00"))
    assert alerts_of(d) == everyone(office, NEAR)


def test_a_minute_past_due_is_overdue_for_holder_leader_and_desk(office):
    d = office.dossier(due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 10:01"))
    assert alerts_of(d) == everyone(office, OVERDUE)
    assert set(Alert.objects.filter(dossier=d).values_list("deadline", flat=True)) == {at("2026-03-09 10:00")}


def test_near_due_starts_when_less_than_one_working_day_is_left(office):
    d = office.dossier(due_at=at("2026-03-10 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 10:00"))  # exactly 8 working hours left
    assert alerts_of(d) == set()
    alerts.sweep(now=at("2026-03-09 10:01"))
    assert alerts_of(d) == everyone(office, NEAR)


def test_near_due_counts_working_hours_across_holidays(office):
    # Wed 29/04/2026 16:00; Thu 30/04 and Fri 01/05 are public holidays, then a weekend.
    three_hours_left = office.dossier(due_at=at("2026-05-04 09:00"))  # Wed 16–17 + Mon 07–09
    twelve_hours_left = office.dossier(due_at=at("2026-05-05 10:00"))  # 1 + 8 + 3
    alerts.sweep(now=at("2026-04-29 16:00"))
    assert {k for k, _ in alerts_of(three_hours_left)} == {NEAR}
    assert alerts_of(twelve_hours_left) == set()


def test_receipt_after_hours_counts_from_next_opening(office):
    # Received Friday 18:00 with one working day: the count starts Monday 07:00.
    due = deadlines.due_at(start=at("2026-03-13 18:00"), limit=1, agency=office.agency)
    assert due == at("2026-03-16 17:00")
    d = office.dossier(due_at=due, received_at=at("2026-03-13 18:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-14 10:00"))  # Saturday: the whole working day is still ahead
    alerts.sweep(now=at("2026-03-16 07:00"))
    assert alerts_of(d) == set()
    alerts.sweep(now=at("2026-03-16 07:01"))
    assert alerts_of(d) == everyone(office, NEAR)


def test_an_agencys_own_day_off_makes_its_dossiers_near_due_sooner(office):
    other = Office("UBND phường Nghỉ Bù")
    CalendarException.objects.create(date=at("2026-03-16 00:00").date(), kind=CalendarExceptionKind.DAY_OFF,
                                     name="Ngày nghỉ riêng của phường", agency=other.agency)
    deadlines.clear_calendar_cache()
    ours = office.dossier(due_at=at("2026-03-17 09:00"))
    theirs = other.dossier(due_at=at("2026-03-17 09:00"))
    alerts.sweep(now=at("2026-03-13 16:00"))  # Friday: 1 h + Monday 8 h + 2 h here, but 1 h + 2 h there
    assert alerts_of(ours) == set()
    assert alerts_of(theirs) == {(NEAR, other.leader.pk), (NEAR, other.clerk.pk)}


# ----- paused, finished, and who is told -----------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUPPLEMENT, Status.RESULT_READY, Status.RETURNED, Status.REFUSED,
                                    Status.STOPPED, Status.WITHDRAWN, Status.DRAFT])
def test_paused_and_finished_dossiers_are_not_swept(office, status):
    d = office.dossier(status=status, due_at=at("2026-03-01 10:00"), step_due_at=at("2026-03-01 10:00"),
                       assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 10:00"))
    assert alerts_of(d) == set()


def test_paused_time_moves_the_deadline_and_is_not_alerted(office):
    """Through the real workflow: a supplement stops the clock; completing it moves the appointment."""
    dossier = services.desk_intake(procedure=office.procedure, by=office.clerk,
                                   applicant={"name": "Lê Văn Bổ Sung", "phone": "0987654321"})
    dossier = services.dossier_receive(dossier=dossier, by=office.clerk)
    first_due = dossier.due_at
    services.dossier_request_supplement(dossier=dossier, by=office.clerk,
                                        items=[{"document": "Tờ khai", "reason": "Thiếu chữ ký"}])
    alerts.sweep(now=first_due + timedelta(days=30))  # long past the appointment, but the clock is stopped
    assert alerts_of(dossier) == set()

    # The citizen took two weeks; that time is theirs, not the agency's.
    Pause.objects.filter(dossier=dossier, ended_at__isnull=True).update(started_at=timezone.now() - timedelta(days=14))
    dossier = services.dossier_complete_supplement(dossier=dossier, by=office.clerk)
    dossier.refresh_from_db()
    assert dossier.due_at > first_due and dossier.original_due_at == dossier.due_at
    alerts.sweep(now=first_due + timedelta(minutes=1))
    assert OVERDUE not in {k for k, _ in alerts_of(dossier)}
    alerts.sweep(now=dossier.due_at + timedelta(minutes=1))
    assert {k for k, _ in alerts_of(dossier)} >= {OVERDUE}


def test_staff_of_other_agencies_and_inactive_staff_are_not_alerted(office):
    stranger = Office("UBND xã Bên Cạnh")
    retired = UserFactory(role=Role.LEADER, agency=office.agency, is_active=False)
    d = office.dossier(due_at=at("2026-03-09 10:00"))
    alerts.sweep(now=at("2026-03-09 12:00"))
    recipients = {user for _, user in alerts_of(d)}
    assert recipients == {office.leader.pk, office.clerk.pk}
    assert not recipients & {stranger.leader.pk, stranger.clerk.pk, retired.pk, office.specialist.pk}


def test_transferred_dossier_alerts_the_handling_agencys_leader_and_the_receiving_desk(office):
    handling = Office("Sở Tài nguyên và Môi trường")
    d = office.dossier(due_at=at("2026-03-09 10:00"), current_agency=handling.agency, assignee=handling.specialist)
    alerts.sweep(now=at("2026-03-09 12:00"))
    assert alerts_of(d) == {(OVERDUE, handling.specialist.pk), (OVERDUE, handling.leader.pk),
                            (OVERDUE, office.clerk.pk)}


# ----- the current step's own deadline ----------------------------------------------------------------------


def test_a_step_that_runs_over_alerts_its_holder_while_the_dossier_is_on_time(office):
    d = office.dossier(due_at=at("2026-03-20 10:00"), step_due_at=at("2026-03-09 10:00"),
                       assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 10:00"))
    assert alerts_of(d) == {(STEP_NEAR, office.specialist.pk)}
    alerts.sweep(now=at("2026-03-09 10:01"))
    assert alerts_of(d) == {(STEP_NEAR, office.specialist.pk), (STEP_OVERDUE, office.specialist.pk)}


def test_an_unassigned_step_that_runs_over_alerts_the_leader_who_assigns(office):
    d = office.dossier(status=Status.RECEIVED, due_at=at("2026-03-20 10:00"), step_due_at=at("2026-03-09 10:00"))
    alerts.sweep(now=at("2026-03-09 11:00"))
    assert alerts_of(d) == {(STEP_OVERDUE, office.leader.pk)}


def test_online_dossier_not_confirmed_in_time_alerts_the_desk(office):
    d = office.dossier(status=Status.SUBMITTED, channel=Channel.ONLINE, confirm_due_at=at("2026-03-09 09:00"))
    alerts.sweep(now=at("2026-03-09 09:00"))
    assert alerts_of(d) == set()
    alerts.sweep(now=at("2026-03-09 09:01"))
    assert alerts_of(d) == {(AlertKind.CONFIRM_OVERDUE, office.clerk.pk), (AlertKind.CONFIRM_OVERDUE, office.leader.pk)}


# ----- exactly once ---------------------------------------------------------------------------------------------


def test_sweeping_twice_writes_the_same_alerts_and_reads_nothing_the_second_time(office):
    for i in range(5):
        office.dossier(due_at=at("2026-03-09 10:00") + timedelta(hours=i * 3), assignee=office.specialist,
                       step_due_at=at("2026-03-09 09:00"))
    first = alerts.sweep(now=at("2026-03-09 12:00"))
    snapshot = sorted(Alert.objects.values_list("dossier_id", "kind", "deadline", "recipient_id", "created_at"))
    second = alerts.sweep(now=at("2026-03-09 12:00"))
    assert first.dossiers == 5 and second.dossiers == 0 and second.alerts == 0
    assert sorted(Alert.objects.values_list("dossier_id", "kind", "deadline", "recipient_id", "created_at")) == snapshot


def test_a_half_written_sweep_is_completed_without_duplicates(office):
    """What a killed worker leaves behind is finished by the next sweep.

    A chunk is one transaction, so a kill leaves whole dossiers alerted or not at all: here the alerts of
    dossiers 3–5 and 7 are missing, as if their chunks had not committed.
    """
    dossiers = office.dossiers(7, due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 12:00"))
    expected = sorted(Alert.objects.values_list("dossier_id", "kind", "recipient_id"))
    Alert.objects.filter(dossier__in=[*dossiers[2:5], dossiers[6]]).delete()
    again = alerts.sweep(now=at("2026-03-09 12:00"))
    assert again.dossiers == 4
    assert sorted(Alert.objects.values_list("dossier_id", "kind", "recipient_id")) == expected


def test_a_new_appointment_is_a_new_deadline_with_its_own_alert(office):
    d = office.dossier(due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-09 12:00"))
    Dossier.objects.filter(pk=d.pk).update(due_at=at("2026-03-11 10:00"))  # an apology set a new date
    alerts.sweep(now=at("2026-03-10 12:00"))
    alerts.sweep(now=at("2026-03-11 12:00"))
    deadlines_alerted = set(Alert.objects.filter(dossier=d, recipient=office.specialist)
                            .values_list("kind", "deadline"))
    assert deadlines_alerted == {(OVERDUE, at("2026-03-09 10:00")), (NEAR, at("2026-03-11 10:00")),
                                 (OVERDUE, at("2026-03-11 10:00"))}


def test_keyset_chunks_cover_every_dossier_once(office):
    office.dossiers(25, due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    result = alerts.sweep(now=at("2026-03-09 12:00"), chunk_size=4)
    assert result.chunks == 7 and result.dossiers == 25
    assert Alert.objects.filter(kind=OVERDUE).count() == 25 * 3


def test_sweep_queries_do_not_grow_with_the_number_of_dossiers(office, django_assert_max_num_queries):
    office.dossiers(60, due_at=at("2026-03-09 10:00"), assignee=office.specialist)
    alerts.sweep(now=at("2026-03-01 12:00"))  # warms the calendar cache; nothing due yet
    # lock, calendar exceptions, agencies, savepoint, jit off, the page, recipients, insert, release, unlock
    with django_assert_max_num_queries(10):
        result = alerts.sweep(now=at("2026-03-09 12:00"), chunk_size=1000)
    assert result.alerts == 180


@postgres_only
def test_a_sweep_finding_another_one_running_steps_aside(office):
    office.dossier(due_at=at("2026-03-09 10:00"))
    params = connection.settings_dict
    other = psycopg.connect(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=params["USER"],
                            password=params["PASSWORD"] or None, dbname=params["NAME"], autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [alerts.SWEEP_LOCK_KEY])
        assert alerts.sweep(now=at("2026-03-09 12:00")).skipped
        assert Alert.objects.count() == 0
        other.execute("SELECT pg_advisory_unlock(%s)", [alerts.SWEEP_LOCK_KEY])
        assert not alerts.sweep(now=at("2026-03-09 12:00")).skipped
        assert Alert.objects.count() == 2
    finally:
        other.close()


# ----- the staff's pages ------------------------------------------------------------------------------------------


@pytest.fixture
def swept(office):
    """Three overdue dossiers held by the specialist; a stranger's alert on another agency's dossier."""
    for i in range(3):
        office.dossier(due_at=at("2026-03-09 10:00") + timedelta(minutes=i), assignee=office.specialist,
                       code=f"000.00.01.H56-260309-000{i + 1}")
    stranger = Office("UBND xã Khác")
    stranger.dossier(due_at=at("2026-03-09 10:00"), assignee=stranger.specialist, code="000.00.99.H56-260309-0001")
    alerts.sweep(now=at("2026-03-09 12:00"))
    office.stranger = stranger
    return office


def test_alert_list_shows_only_my_alerts_and_the_count_in_the_header(client, swept, django_assert_max_num_queries):
    client.force_login(swept.specialist)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="unread"') == 3
    assert "000.00.01.H56-260309-0003" in html and "000.00.99.H56" not in html
    assert "Quá hạn trả kết quả" in html or "quá hạn trả kết quả" in html
    assert '<span id="alert-count" class="badge badge-bad">3' in html


def test_alert_list_query_count_does_not_grow_with_alerts(client, swept, django_assert_max_num_queries):
    for i in range(30):
        swept.dossier(due_at=at("2026-03-09 08:00") + timedelta(minutes=i), assignee=swept.specialist)
    alerts.sweep(now=at("2026-03-09 12:00"))
    client.force_login(swept.specialist)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("alerts:list"))
    assert response.content.decode().count('class="unread"') == 33


def test_mark_one_alert_read(client, swept):
    alert = Alert.objects.filter(recipient=swept.specialist).first()
    client.force_login(swept.specialist)
    response = client.post(reverse("alerts:read", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert alerts.unread_count(swept.specialist) == 2
    listing = client.get(reverse("alerts:list")).content.decode()
    assert listing.count('class="unread"') == 2
    assert client.get(reverse("alerts:list") + "?tat-ca=1").content.decode().count("Đã đọc ") == 1


def test_mark_read_with_htmx_swaps_the_row_and_the_header_count(client, swept):
    alert = Alert.objects.filter(recipient=swept.specialist).first()
    client.force_login(swept.specialist)
    response = client.post(reverse("alerts:read", args=[alert.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="alert-{alert.pk}"' in html and 'class="unread"' not in html
    assert 'id="alert-count" hx-swap-oob="true"' in html and ">2<" in html


def test_nobody_marks_someone_elses_alert(client, swept):
    theirs = Alert.objects.filter(recipient=swept.stranger.specialist).first()
    client.force_login(swept.specialist)
    assert client.post(reverse("alerts:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(client, swept):
    alert = Alert.objects.filter(recipient=swept.specialist).first()
    client.force_login(swept.specialist)
    assert client.get(reverse("alerts:read", args=[alert.pk])).status_code == 405


def test_mark_all_read_touches_only_my_alerts(client, swept):
    client.force_login(swept.leader)
    response = client.post(reverse("alerts:read-all"), {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("alerts:list")
    assert "Đã đánh dấu 3 cảnh báo là đã đọc." in response.content.decode()
    assert alerts.unread_count(swept.leader) == 0
    assert alerts.unread_count(swept.specialist) == 3


def test_citizens_and_anonymous_users_have_no_alert_page(client, swept):
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(citizen())
    assert client.get(reverse("alerts:list")).status_code == 403
    home = client.get("/").content.decode()
    assert 'id="alert-count"' not in home
