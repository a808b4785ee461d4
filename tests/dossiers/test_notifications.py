"""Citizen notifications through the outbox, the HTTP gateway's retries, delay notices and the staff's digest.

The Celery tasks run eagerly here (in-process); tests/dossiers/test_worker.py runs them in a real worker.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from config.celery import app as celery_app
from dossiers import alerts, deadlines, services
from dossiers.delays import dossier_issue_delay_notice, new_appointment
from dossiers.models import (
    Extension,
    FormKind,
    IssuedDocument,
    Notification,
    NotificationEvent,
    NotificationStatus,
    Status,
    StepLog,
)
from dossiers.notifications import (
    Message,
    PermanentChannelError,
    TransientChannelError,
    deliver,
    notify_transition,
    queue_alert_digests,
    redispatch_stale,
)
from dossiers.notifications.http import HttpGatewayChannel
from dossiers.tasks import send_notification
from tests.dossiers.alert_helpers import Gateway, Office, at


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    deadlines.clear_calendar_cache()
    yield
    deadlines.clear_calendar_cache()


@pytest.fixture
def eager():
    """Celery tasks run in-process, at once (the worker tests run them for real)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, False
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def office(db, settings):
    settings.NOTIFY_EMAIL = True
    settings.NOTIFY_SMS = "console"
    settings.NOTIFY_ZALO = "off"
    return Office("UBND xã Thông Báo")


def received_dossier(office, *, email="congdan@example.vn"):
    dossier = services.desk_intake(
        procedure=office.procedure, by=office.clerk,
        applicant={"name": "Phạm Thị Nhận Tin", "phone": "0987654321", "email": email},
    )
    return services.dossier_receive(dossier=dossier, by=office.clerk)


# ----- the signal writes the outbox; the task sends -------------------------------------------------------


def test_receiving_a_dossier_tells_the_citizen_by_email_and_sms(office, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = received_dossier(office)
    rows = {n.channel: n for n in Notification.objects.filter(dossier=dossier)}
    assert set(rows) == {"email", "sms"}
    assert all(n.event == NotificationEvent.RECEIVED and n.status == NotificationStatus.SENT for n in rows.values())
    assert rows["sms"].address == "0987654321" and rows["sms"].provider_message_id.startswith("console:")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["congdan@example.vn"]
    assert dossier.code in message.subject and "Hồ sơ đã được tiếp nhận" in message.subject
    assert "Kính gửi ông/bà Phạm Thị Nhận Tin," in message.body
    assert deadlines.format_vn(dossier.due_at) in message.body
    assert "/tra-cuu/t/" in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<d{dossier.pk}.step")
    assert dossier.code in rows["sms"].payload["body"] and len(rows["sms"].payload["body"]) < 320


def test_the_same_event_is_written_and_sent_once(office, eager, django_capture_on_commit_callbacks):
    dossier = received_dossier(office)  # callbacks not run: nothing queued yet
    step = StepLog.objects.get(dossier=dossier, action="receive")
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_transition(dossier_id=dossier.pk, action="receive", step_log_id=step.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify_transition(dossier_id=dossier.pk, action="receive", step_log_id=step.pk)
    assert len(first) == 2 and second == []  # the rows exist and are no longer pending
    assert Notification.objects.filter(dossier=dossier).count() == 2
    assert len(mail.outbox) == 1
    assert deliver(first[0]) == "skipped"
    assert len(mail.outbox) == 1


def test_actions_that_do_not_concern_the_citizen_write_nothing(office):
    dossier = received_dossier(office)
    assert notify_transition(dossier_id=dossier.pk, action="assign", step_log_id=None) == []
    assert not Notification.objects.exists()


def test_channels_are_chosen_by_settings(office, settings):
    settings.NOTIFY_SMS = "off"
    settings.NOTIFY_ZALO = "console"
    dossier = received_dossier(office, email="")
    step = StepLog.objects.get(dossier=dossier, action="receive")
    notify_transition(dossier_id=dossier.pk, action="receive", step_log_id=step.pk)
    assert set(Notification.objects.values_list("channel", "address")) == {("zalo", "0987654321")}


@pytest.mark.parametrize("action, facts, status, expected", [
    ("request_supplement", {"items": [{"document": "Tờ khai", "reason": "Thiếu chữ ký người khai"}]},
     Status.SUPPLEMENT, ["cần được bổ sung", "- Tờ khai: Thiếu chữ ký người khai"]),
    ("refuse", {"reason": "Không thuộc thẩm quyền", "legal_basis": "Điều 5 Luật Hộ tịch"}, Status.REFUSED,
     ["không được tiếp nhận giải quyết. Lý do: Không thuộc thẩm quyền.", "Căn cứ: Điều 5 Luật Hộ tịch."]),
    ("request_financial", {"amount_vnd": 150000}, Status.FINANCIAL, ["nghĩa vụ tài chính: 150.000 đồng"]),
    ("stop", {"reason": "Người nộp đã mất năng lực hành vi"}, Status.STOPPED, ["dừng giải quyết"]),
    ("approve", {}, Status.RESULT_READY, ["đã có kết quả giải quyết", "mang theo giấy tiếp nhận hồ sơ"]),
    ("return_result", {}, Status.RETURNED, ["đã được trả lúc", "mức độ hài lòng"]),
])
def test_every_change_that_matters_has_its_message(office, action, facts, status, expected):
    dossier = office.dossier(status=status, code="000.00.01.H56-260309-0042", due_at=at("2026-03-16 10:00"),
                             received_at=at("2026-03-09 10:00"), returned_at=at("2026-03-16 09:00"))
    step = StepLog.objects.create(dossier=dossier, action=action, to_status=status, at=timezone.now(), facts=facts)
    notify_transition(dossier_id=dossier.pk, action=action, step_log_id=step.pk)
    email = Notification.objects.get(dossier=dossier, channel="email")
    sms = Notification.objects.get(dossier=dossier, channel="sms")
    for phrase in expected:
        assert phrase in email.payload["body"]
    assert "000.00.01.H56-260309-0042" in email.payload["subject"]
    assert "000.00.01.H56-260309-0042" in sms.payload["body"]


# ----- the HTTP gateway: a local server that fails the first N requests -----------------------------------------


@pytest.fixture
def gateway(settings):
    made = []

    def start(failures=0, fail_with=503):
        gw = Gateway(failures, fail_with)
        made.append(gw)
        settings.NOTIFY_EMAIL = False
        settings.NOTIFY_SMS = "http"
        settings.NOTIFY_SMS_URL = gw.url
        settings.NOTIFY_SMS_TOKEN = "bi-mat-cua-cong"
        return gw

    yield start
    for gw in made:
        gw.close()


def sms_for(office) -> Notification:
    dossier = received_dossier(office)
    step = StepLog.objects.get(dossier=dossier, action="receive")
    [notification_id] = notify_transition(dossier_id=dossier.pk, action="receive", step_log_id=step.pk)
    return Notification.objects.get(pk=notification_id)


def test_a_failing_gateway_is_retried_and_the_message_is_sent_once(office, gateway):
    gw = gateway(failures=2)
    notification = sms_for(office)
    for attempt in (1, 2):
        with pytest.raises(TransientChannelError):
            deliver(notification.pk)
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.PENDING and notification.attempts == attempt
        assert "HTTP 503" in notification.last_error
    assert deliver(notification.pk) == "sent"
    assert deliver(notification.pk) == "skipped"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 3
    assert notification.provider_message_id == "msg-3" and notification.last_error == ""
    assert [r["code"] for r in gw.requests] == [503, 503, 200]
    keys = {r["headers"]["Idempotency-Key"] for r in gw.requests}
    assert keys == {notification.idempotency_key}
    assert all(r["headers"]["Authorization"] == "Bearer bi-mat-cua-cong" for r in gw.requests)
    body = gw.requests[-1]["body"]
    assert body["to"] == "0987654321" and body["channel"] == "sms" and "đã được tiếp nhận" in body["text"]


def test_the_celery_task_retries_with_backoff_until_sent(office, gateway, eager, settings):
    gw = gateway(failures=2)
    notification = sms_for(office)
    assert send_notification.max_retries == settings.NOTIFY_MAX_RETRIES
    assert send_notification.autoretry_for == (TransientChannelError,) and send_notification.retry_backoff
    send_notification.delay(notification.pk)  # eager: the retries run inline
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 3
    assert [r["code"] for r in gw.requests] == [503, 503, 200]


def test_a_rejected_message_is_not_retried(office, gateway):
    gw = gateway(failures=1, fail_with=400)
    notification = sms_for(office)
    assert deliver(notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED and "HTTP 400" in notification.last_error
    assert deliver(notification.pk) == "skipped"
    assert len(gw.requests) == 1


def test_the_last_attempt_gives_up(office, gateway):
    gateway(failures=5)
    notification = sms_for(office)
    assert deliver(notification.pk, final_attempt=True) == "failed"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED and notification.attempts == 1


def test_an_unreachable_gateway_is_a_transient_error():
    channel = HttpGatewayChannel("sms", url="http://127.0.0.1:9/", timeout=2)
    with pytest.raises(TransientChannelError):
        channel.send(Message(channel="sms", to="0912345678", subject="", body="x", idempotency_key="k"))
    with pytest.raises(PermanentChannelError):
        HttpGatewayChannel("zalo", url="")


def test_rows_whose_enqueue_was_lost_are_sent_by_the_sweep(office, eager, gateway):
    gw = gateway(failures=0)
    notification = sms_for(office)  # on_commit never ran: as if the broker had been down
    assert redispatch_stale() == 0  # too fresh: its own retries may still be under way
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert redispatch_stale() == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(gw.requests) == 1


# ----- delay notices ---------------------------------------------------------------------------------------------


def test_delay_notice_sets_a_calendar_date_keeps_the_original_and_tells_the_citizen(
    office, eager, django_capture_on_commit_callbacks
):
    dossier = received_dossier(office)
    first_due = dossier.due_at
    expected = deadlines.due_at(start=first_due, limit=3, agency=office.agency)
    with django_capture_on_commit_callbacks(execute=True):
        notice = dossier_issue_delay_notice(dossier=dossier, by=office.leader, extra_working_days=3,
                                            reason="Phải xác minh thêm tại thực địa")
    dossier.refresh_from_db()
    assert notice.extension.new_due_at == expected == dossier.due_at
    assert notice.extension.previous_due_at == first_due == dossier.original_due_at  # late stays late
    assert notice.document.kind == FormKind.APOLOGY and notice.document.agency == office.agency
    assert notice.document.file.open("rb").read(5) == b"%PDF-"
    assert StepLog.objects.filter(dossier=dossier, action="extend").count() == 1
    email = [m for m in mail.outbox if "Hẹn lại ngày trả kết quả" in m.subject]
    assert len(email) == 1
    assert "Phải xác minh thêm tại thực địa" in email[0].body
    assert deadlines.format_vn(expected) in email[0].body
    [(filename, content, mimetype)] = email[0].attachments
    assert filename == f"xin-loi-{dossier.code}.pdf" and content.startswith(b"%PDF-") and mimetype == "application/pdf"
    sms = Notification.objects.get(dossier=dossier, event=NotificationEvent.DELAYED, channel="sms")
    assert sms.status == NotificationStatus.SENT and deadlines.format_vn(expected) in sms.payload["body"]


def test_delay_notice_with_a_chosen_date(office):
    dossier = received_dossier(office)
    chosen = dossier.due_at + timedelta(days=10)
    notice = dossier_issue_delay_notice(dossier=dossier, by=office.clerk, new_due_at=chosen, reason="Chờ ý kiến sở")
    assert notice.extension.new_due_at == chosen


@pytest.mark.parametrize("kwargs, message", [
    ({"reason": "  ", "extra_working_days": 2}, "lý do"),
    ({"reason": "Chờ xác minh"}, "một trong hai"),
    ({"reason": "Chờ xác minh", "extra_working_days": 2, "new_due_at": at("2027-01-05 10:00")}, "một trong hai"),
    ({"reason": "Chờ xác minh", "extra_working_days": 0}, "lớn hơn 0"),
    ({"reason": "Chờ xác minh", "extra_working_days": "ba"}, "không hợp lệ"),
    ({"reason": "Chờ xác minh", "new_due_at": at("2026-01-05 10:00")}, "phải sau ngày hẹn hiện tại"),
])
def test_delay_notice_refuses_bad_input_and_writes_nothing(office, kwargs, message):
    dossier = received_dossier(office)
    with pytest.raises(DomainError, match=message):
        dossier_issue_delay_notice(dossier=dossier, by=office.leader, **kwargs)
    assert not Extension.objects.exists() and not IssuedDocument.objects.filter(kind=FormKind.APOLOGY).exists()


def test_delay_notice_from_another_agency_is_refused(office):
    dossier = received_dossier(office)
    outsider = Office("UBND xã Ngoài Phạm Vi")
    with pytest.raises(NotAllowed):
        dossier_issue_delay_notice(dossier=dossier, by=outsider.leader, extra_working_days=2, reason="Chờ")
    dossier.refresh_from_db()
    assert not Extension.objects.exists() and dossier.due_at == dossier.original_due_at


def test_an_overdue_dossiers_new_appointment_counts_from_now(office):
    dossier = office.dossier(due_at=at("2026-03-09 10:00"))
    now = at("2026-03-12 09:00")
    assert new_appointment(dossier=dossier, extra_working_days=1, now=now) == at("2026-03-13 09:00")


# ----- the staff's daily digest -----------------------------------------------------------------------------------


def test_daily_digest_lists_unread_alerts_once_a_day(office, eager, django_capture_on_commit_callbacks):
    for i in range(2):
        office.dossier(due_at=at("2026-03-09 10:00"), assignee=office.specialist, code=f"000.00.01.H56-260309-000{i}")
    alerts.sweep(now=at("2026-03-09 12:00"))
    office.clerk.email = ""
    office.clerk.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_alert_digests(now=at("2026-03-10 07:00"))
    assert len(queued) == 2  # the specialist and the leader; the clerk has no e-mail address
    to = {m.to[0]: m for m in mail.outbox}
    assert set(to) == {office.specialist.email, office.leader.email}
    body = to[office.specialist.email].body
    assert "2 cảnh báo chưa đọc" in to[office.specialist.email].subject
    assert "000.00.01.H56-260309-0000" in body and "000.00.01.H56-260309-0001" in body and "/canh-bao/" in body

    with django_capture_on_commit_callbacks(execute=True):
        assert queue_alert_digests(now=at("2026-03-10 07:30")) == []  # a rerun the same day sends nothing
    alerts.alert_mark_read(by=office.leader)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(queue_alert_digests(now=at("2026-03-11 07:00"))) == 1  # the next day: only the unread
    assert len(mail.outbox) == 3
