"""The benchmark data generator writes data the product itself accepts."""

import io
import random

from django.db.models import Count
from django.utils import timezone

from bench.generate import FastCalendar, generate
from dossiers import deadlines, services
from dossiers.models import DailySequence, Dossier, Status, StepLog
from tests.factories import citizen, tiny_pdf


def test_fast_calendar_agrees_with_deadlines():
    today = timezone.localdate()
    calendar = FastCalendar(deadlines.WorkCalendar(), today.replace(year=today.year - 2), today.replace(
        year=today.year + 2))
    calendar.check(random.Random(7), samples=5000)  # raises on any disagreement


def test_generated_dossiers_are_consistent_and_codes_continue(db):
    out = io.StringIO()
    # Two weeks: today's counters are surely in use when the new dossier below is submitted.
    result = generate(dossiers=400, years=0.04, communes=5, chunk=150, summary=False, out=out)
    assert result["dossiers"] == 400 and Dossier.objects.count() == 400
    codes = [c for c in Dossier.objects.values_list("code", flat=True) if c]
    assert len(codes) == len(set(codes))
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {Status.RETURNED, Status.REFUSED} <= statuses
    # Every dossier's last step leads to its present status.
    for dossier in Dossier.objects.annotate(n=Count("steps")).filter(n__gt=0)[:200]:
        last = StepLog.objects.filter(dossier=dossier).order_by("-at", "-id").first()
        assert last.to_status == dossier.status or last.action == "extend", (dossier.pk, last.action)
    for d in Dossier.objects.exclude(received_at=None).exclude(due_at=None):
        assert d.due_at > d.received_at and d.original_due_at <= d.due_at
        assert d.code and d.case_id and d.procedure_version_id
    # The day's counters know every generated number, so submissions made later continue the sequence.
    used = {}
    for agency_id, code in Dossier.objects.exclude(code=None).values_list("receiving_agency_id", "code"):
        _prefix, day, number = code.rsplit("-", 2)
        used[(agency_id, day)] = max(used.get((agency_id, day), 0), int(number))
    rows = DailySequence.objects.values_list("agency_id", "day", "last")
    counters = {(a, f"{d:%y%m%d}"): last for a, d, last in rows}
    assert all(counters.get(key, 0) >= number for key, number in used.items())
    # An online procedure the centre received lately, with its case and agency named: which one it is
    # depends on today's date, and a procedure may have several cases and agencies.
    sample = next(d for d in Dossier.objects.filter(receiving_agency__code="000.00.06.H56").exclude(case=None)
                  .select_related("procedure", "case", "receiving_agency")
                  if d.procedure.accepts_online and d.procedure.is_online)
    owner = citizen()
    draft = services.dossier_create_draft(procedure=sample.procedure, case=sample.case, agency=sample.receiving_agency,
                                          by=owner, applicant={"name": "Người Nộp Mới", "phone": "0912000111"})
    for document in draft.case.documents.filter(is_required=True):
        services.attachment_add(dossier=draft, by=owner, upload=tiny_pdf(), required_document=document)
    services.dossier_submit(dossier=draft, by=owner)
    assert Dossier.objects.filter(code=draft.code).count() == 1
    assert "Xong: 400 hồ sơ" in out.getvalue()
