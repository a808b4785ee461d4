"""Shared set-up of the alert, notification and worker tests: an agency with its people, dossiers in a state."""

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from accounts.roles import Role
from dossiers.deadlines import VN_TZ
from dossiers.models import Alert, Channel, Dossier, Status
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory


def at(text: str) -> datetime:
    """Vietnamese wall-clock time, as a clerk reads it: ``at("2026-03-09 10:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


class Office:
    """One agency with a leader, a desk clerk and a specialist — the people an alert goes to."""

    def __init__(self, name: str = ""):
        self.agency = AgencyFactory(**({"name": name} if name else {}))
        self.leader = UserFactory(role=Role.LEADER, agency=self.agency)
        self.clerk = UserFactory(role=Role.CLERK, agency=self.agency)
        self.specialist = UserFactory(role=Role.SPECIALIST, agency=self.agency)
        self.procedure = ProcedureFactory()
        self.procedure.agencies.add(self.agency)

    def dossier(self, *, status=Status.PROCESSING, due_at=None, step_due_at=None, confirm_due_at=None,
                assignee=None, **fields) -> Dossier:
        """A dossier already in ``status`` (the state the sweep reads; the workflow tests cover getting there)."""
        values = {
            "procedure": self.procedure,
            "applicant_name": "Trần Thị Thử",
            "applicant_phone": "0912345678",
            "applicant_email": "congdan@example.vn",
            "channel": Channel.DESK,
            "status": status,
            "receiving_agency": self.agency,
            "current_agency": self.agency,
            "due_at": due_at,
            "original_due_at": due_at,
            "step_due_at": step_due_at,
            "confirm_due_at": confirm_due_at,
            "assignee": assignee,
        }
        values.update(fields)
        return Dossier.objects.create(**values)

    def dossiers(self, count: int, **fields) -> list[Dossier]:
        """Many dossiers at once (bulk insert: the sweep tests need hundreds)."""
        rows = [
            Dossier(procedure=self.procedure, applicant_name=f"Người nộp {i}", applicant_phone="0912345678",
                    channel=Channel.DESK, receiving_agency=self.agency, current_agency=self.agency,
                    **{"status": Status.PROCESSING, **fields})
            for i in range(count)
        ]
        return Dossier.objects.bulk_create(rows, batch_size=1000)


def alerts_of(dossier) -> set[tuple[str, int]]:
    """{(kind, recipient id)} of a dossier's alerts."""
    return set(Alert.objects.filter(dossier=dossier).values_list("kind", "recipient_id"))


class Gateway:
    """A stand-in SMS/Zalo provider: answers ``fail_with`` to the first ``failures`` requests, then 200."""

    def __init__(self, failures=0, fail_with=503):
        self.failures, self.fail_with = failures, fail_with
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway.lock:
                    failing = len(gateway.requests) < gateway.failures
                    code = gateway.fail_with if failing else 200
                    gateway.requests.append({"body": body, "headers": dict(self.headers), "code": code})
                    n = len(gateway.requests)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"id": f"msg-{n}"} if code == 200 else {"error": "busy"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
