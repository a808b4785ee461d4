"""A real Celery worker (``celery -A config worker``, a subprocess) against Redis and the test database.

The rows are committed (``transactional_db``) so the worker, another process with its own connection, sees
them. The worker gets the test database's name and the Redis URL through its environment, as a deployed
worker gets DATABASE_URL and REDIS_URL.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from config.celery import app as celery_app
from dossiers.models import Alert, AlertKind, Notification, NotificationStatus, Status, StepLog
from dossiers.notifications import notify_transition
from dossiers.tasks import sweep_deadlines
from tests.dossiers.alert_helpers import Gateway, Office

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not (settings.IS_POSTGRES and settings.REDIS_URL),
                       reason="a real worker needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"),
]

ROOT = Path(__file__).resolve().parents[2]
KOMBU_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")


def database_url() -> str:
    """The test database (pytest-django renamed it) as a DATABASE_URL for the worker."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def clear_broker():
    """Forget queued and unacknowledged messages of earlier runs (this Redis database is the test's)."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*KOMBU_KEYS)


class Worker:
    def __init__(self, log_path: Path, env: dict):
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.output()}")
            if b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_bytes().decode(errors="replace")[-5000:]

    def kill(self):
        """SIGKILL: no cleanup, no ack — what the OOM killer or a pulled plug does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    clear_broker()
    started: list[Worker] = []

    def start(**extra_env) -> Worker:
        env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
               "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_TASK_ALWAYS_EAGER": "false",
               **{k: str(v) for k, v in extra_env.items()}}
        worker = Worker(tmp_path / f"worker-{len(started)}.log", env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    clear_broker()


def wait_until(condition, *, timeout=60, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def overdue_office(count: int) -> Office:
    office = Office("UBND xã Chạy Thật")
    office.dossiers(count, due_at=timezone.now() - timedelta(days=2), assignee=office.specialist)
    return office


def assert_each_dossier_alerted_once_per_person(expected_dossiers: int):
    per_dossier = Alert.objects.values("dossier_id").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(per_dossier) == {3}, "every dossier: the holder, the leader and the desk, once each"
    assert len(per_dossier) == expected_dossiers
    assert Alert.objects.values("dossier_id", "kind", "deadline", "recipient_id").distinct().count() == \
        Alert.objects.count()


def test_a_real_worker_runs_the_deadline_sweep(start_worker):
    overdue_office(5)
    worker = start_worker()
    sweep_deadlines.delay()
    wait_until(lambda: Alert.objects.count() == 15, message=f"15 alerts\n{worker.output()}")
    assert set(Alert.objects.values_list("kind", flat=True)) == {AlertKind.OVERDUE}
    sweep_deadlines.delay()  # a rerun writes nothing new
    time.sleep(1.5)
    assert_each_dossier_alerted_once_per_person(5)


def test_killing_the_worker_mid_sweep_then_sweeping_again_misses_nothing_and_duplicates_nothing(start_worker):
    dossiers = 3000
    overdue_office(dossiers)
    worker = start_worker()
    sweep_deadlines.delay(chunk_size=10)  # 300 small transactions: a kill lands in the middle
    wait_until(lambda: Alert.objects.count() > 0, interval=0.01, message=f"the first chunk\n{worker.output()}")
    worker.kill()
    written = Alert.objects.count()
    assert 0 < written < dossiers * 3, "the kill must land in the middle of the sweep"
    # Whole chunks committed or not at all: no dossier is half-alerted.
    assert_each_dossier_alerted_once_per_person(written // 3)

    again = start_worker()  # the advisory lock died with the killed worker's connection
    sweep_deadlines.delay()
    wait_until(lambda: Alert.objects.count() == dossiers * 3, message=f"every alert\n{again.output()}")
    time.sleep(1)
    assert_each_dossier_alerted_once_per_person(dossiers)


def test_a_failing_gateway_is_retried_by_the_worker_and_delivers_exactly_once(start_worker, settings):
    gateway = Gateway(failures=2, fail_with=503)
    try:
        channel_env = {"NOTIFY_EMAIL": "false", "NOTIFY_SMS": "http", "NOTIFY_SMS_URL": gateway.url,
                       "NOTIFY_SMS_TOKEN": "khoa-thu-nghiem", "NOTIFY_ZALO": "off"}
        for key, value in channel_env.items():
            setattr(settings, key, value if key != "NOTIFY_EMAIL" else False)
        worker = start_worker(NOTIFY_RETRY_BACKOFF=1, NOTIFY_MAX_RETRIES=5, **channel_env)
        office = Office("UBND xã Gửi Tin")
        dossier = office.dossier(status=Status.RECEIVED, code="000.00.01.H56-261123-0001",
                                 due_at=timezone.now() + timedelta(days=5), received_at=timezone.now())
        step = StepLog.objects.create(dossier=dossier, action="receive", to_status=Status.RECEIVED, at=timezone.now())
        # Autocommit: the on-commit enqueue runs at once, into Redis, for the worker.
        [notification_id] = notify_transition(dossier_id=dossier.pk, action="receive", step_log_id=step.pk)

        def sent():
            return Notification.objects.get(pk=notification_id).status == NotificationStatus.SENT

        wait_until(sent, timeout=60, message=f"the message to be sent\n{worker.output()}")
        time.sleep(2)  # nothing else may arrive afterwards
        notification = Notification.objects.get(pk=notification_id)
        assert notification.attempts == 3 and notification.provider_message_id == "msg-3"
        assert [r["code"] for r in gateway.requests] == [503, 503, 200]
        assert {r["headers"]["Idempotency-Key"] for r in gateway.requests} == {notification.idempotency_key}
        assert "Retry in" in worker.output()  # Celery's own retry, with its backoff countdown
    finally:
        gateway.close()


def test_the_task_runs_late_acknowledged():
    # A killed worker's message is redelivered rather than lost (the sweep is idempotent, so that is safe).
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost
    assert sweep_deadlines.acks_late
