"""The service index of Decision 766/QĐ-TTg (23/06/2022): five groups, 100 points (DOMAIN.md "Metrics", B §5).

Each indicator is computed with the formula and full-score threshold B §5 gives; below its threshold the
points are pro-rated (score = rate × points ÷ threshold); rates and scores have 2 decimals; an indicator
whose denominator is 0 is N/A. What the portal cannot measure (publication dates of legal texts, the
synchronisation with the National Portal, its data store) is shown as N/A with the reason — never a
made-up number. Points of a group that cannot be measured are left out of the "measured" maximum.

The research did not find the official split of each group's points between its indicators (B §11); the
split below keeps the two weights it did find (satisfaction with TTHC handling 6/18, on-time publication
4/18) and shares the rest. It is a setting: ``settings.INDEX766_WEIGHTS = {"2.1": 14, ...}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from procedures.models import OnlineLevel, Procedure, ProcedureCase, RequiredDocument
from ratings.models import Feedback, FeedbackStatus, FeedbackTopic

from . import counting, metrics
from .periods import Period
from .selectors import Filters, Numbers, Scope, rate, rollup

TWO = Decimal("0.01")

GROUPS = (
    ("1", _("Công khai, minh bạch"), 18),
    ("2", _("Tiến độ, kết quả giải quyết"), 20),
    ("3", _("Cung cấp dịch vụ trực tuyến"), 22),
    ("4", _("Số hóa hồ sơ"), 22),
    ("5", _("Mức độ hài lòng"), 18),
)

DEFAULT_WEIGHTS = {
    "1.1": 4, "1.2": 4, "1.3": 4, "1.4": 6,
    "2.1": 14, "2.2": 6,
    "3.1": 4, "3.2": 4, "3.3": 6, "3.5": 4, "3.6": 4,
    "4.1": 4, "4.2": 6, "4.3": 4, "4.4": 4, "4.5": 4,
    "5.1": 0, "5.2": 6, "5.3": 6, "5.4": 6,
}

NOT_MEASURED = {
    "1.1": _("Cổng chưa lưu ngày có hiệu lực của văn bản quy phạm pháp luật làm căn cứ công bố thủ tục."),
    "1.2": _("Việc công khai trên Cơ sở dữ liệu quốc gia về thủ tục hành chính diễn ra ngoài cổng này."),
    "1.4": _("Cổng chưa đồng bộ hồ sơ với Cổng Dịch vụ công quốc gia."),
    "3.5": _("Cổng chưa đồng bộ dữ liệu phí, lệ phí với Cổng Dịch vụ công quốc gia."),
    "4.4": _("Cổng chưa kết nối Kho quản lý dữ liệu điện tử của tổ chức, cá nhân trên Cổng Dịch vụ công quốc gia."),
    "4.5": _("Cổng chưa ghi nhận hồ sơ được nộp bằng tài khoản định danh điện tử tại thời điểm nộp."),
}


def weights() -> dict[str, Decimal]:
    merged = {**DEFAULT_WEIGHTS, **getattr(settings, "INDEX766_WEIGHTS", {})}
    return {code: Decimal(str(value)) for code, value in merged.items()}


@dataclass
class Indicator:
    code: str
    name: str
    formula: str
    numerator: int | Decimal | None = None
    denominator: int | Decimal | None = None
    threshold: Decimal = Decimal(100)  # % for the full score
    points: Decimal = Decimal(0)
    reason: str = ""  # why it is N/A
    direct_rate: Decimal | None = None  # indicators whose rate is not a plain quotient (5.4)

    @property
    def rate(self) -> Decimal | None:
        if self.direct_rate is not None:
            return self.direct_rate
        if self.numerator is None or self.denominator is None:
            return None
        return rate(self.numerator, self.denominator)

    @property
    def measured(self) -> bool:
        return self.rate is not None

    @property
    def score(self) -> Decimal | None:
        if self.rate is None:
            return None
        share = min(self.rate / self.threshold, Decimal(1)) if self.threshold else Decimal(1)
        return (share * self.points).quantize(TWO, ROUND_HALF_UP)

    @property
    def na_reason(self) -> str:
        if self.rate is not None:
            return ""
        return str(self.reason or _("Không có dữ liệu trong kỳ (mẫu số bằng 0)."))


@dataclass
class Group:
    code: str
    name: str
    max_points: int
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def score(self) -> Decimal:
        return sum((i.score for i in self.indicators if i.score is not None), Decimal(0)).quantize(TWO)

    @property
    def measured_points(self) -> Decimal:
        return sum((i.points for i in self.indicators if i.measured), Decimal(0)).quantize(TWO)


@dataclass
class Index:
    period: Period
    groups: list[Group]

    @property
    def score(self) -> Decimal:
        return sum((g.score for g in self.groups), Decimal(0)).quantize(TWO)

    @property
    def measured_points(self) -> Decimal:
        return sum((g.measured_points for g in self.groups), Decimal(0)).quantize(TWO)

    @property
    def score_of_measured(self) -> Decimal | None:
        """The score as a percentage of the points the portal could measure."""
        return rate(self.score, self.measured_points) if self.measured_points else None

    def indicator(self, code: str) -> Indicator:
        return next(i for g in self.groups for i in g.indicators if i.code == code)


# ----- the inputs -------------------------------------------------------------------------------------------

def procedures_in_scope(scope: Scope, filters: Filters):
    qs = Procedure.objects.filter(is_active=True)
    if scope.agency_ids is not None:
        qs = qs.filter(agencies__in=scope.agency_ids)
    if filters.procedure_id:
        qs = qs.filter(pk=filters.procedure_id)
    if filters.field_id:
        qs = qs.filter(field_id=filters.field_id)
    return qs.distinct()


def catalog_counts(scope: Scope, filters: Filters) -> dict[str, int]:
    """Indicators 1.3 and 3.1 read the published catalog of the scope's procedures."""
    current = OuterRef("current_version_id")
    has_documents = Exists(RequiredDocument.objects.filter(case__version_id=current))
    has_time = Exists(ProcedureCase.objects.filter(version_id=current, legal_time__isnull=False))
    complete = (Q(has_documents=True, has_time=True) & ~Q(name="") & ~Q(steps=[]) & ~Q(applicants="")
                & (Q(accepts_desk=True) | Q(accepts_postal=True) | Q(accepts_online=True)))
    online = [OnlineLevel.FULL, OnlineLevel.PARTIAL]
    ids = procedures_in_scope(scope, filters).values("pk")
    return Procedure.objects.filter(pk__in=ids).annotate(has_documents=has_documents, has_time=has_time).aggregate(
        procedures=Count("id"), complete=Count("id", filter=complete),
        online=Count("id", filter=Q(online_level__in=online)),
    )


def online_procedures_used(scope: Scope, period: Period, filters: Filters) -> tuple[int, int]:
    """Indicator 3.2: (online procedures that received ≥1 online dossier in the period, online procedures)."""
    online_ids = set(procedures_in_scope(scope, filters).filter(
        online_level__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL]).values_list("pk", flat=True))
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    rows = rollup(where, period, covers_all=scope.covers_all).by_procedure
    used = {p for p, counts in rows.items() if counts["received_online"] and p in online_ids}
    return len(used), len(online_ids)


def backlog_at(scope: Scope, filters: Filters, moment: dt.datetime, now: dt.datetime) -> dict[str, int]:
    """Dossiers received before ``moment`` and not finished at it, and how many were late then (2.1).

    For a period that has not ended, that is the open dossiers now. For a past period, the dossiers finished
    after it are added back; they are judged with their appointment as it stands (a pause that ended after
    the period moved it in the meantime: rare, and to the dossier's benefit).
    """
    where = scope.where(procedure_id=filters.procedure_id, field_id=filters.field_id)
    if moment >= now:
        open_now = counting.pending(where, now)
        return {"open": open_now["pending"], "late": open_now["pending_overdue"]}
    qs = Dossier.objects.filter(where.dossiers(), received_at__isnull=False, received_at__lt=moment).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gte=moment))
    qs = qs.filter(Q(completed_at__isnull=False) | Q(status__in=metrics.PENDING_STATUSES))
    late = Q(processing_supplement_count__gt=1) | Q(original_due_at__lt=moment)
    result = qs.aggregate(open=Count("id"), late=Count("id", filter=late))
    return result


def feedback_counts(scope: Scope, period: Period, now: dt.datetime) -> dict[str, int]:
    """Group 5's feedback indicators over the feedback received in the period by the scope's agencies."""
    start, end = counting.day_bounds(period.first, period.last)
    qs = Feedback.objects.filter(received_at__gte=start, received_at__lt=end)
    if scope.agency_ids is not None:
        qs = qs.filter(agency_id__in=scope.agency_ids)
    qs = qs.annotate(recomplained=Exists(Feedback.objects.filter(follow_up_of_id=OuterRef("pk"))))
    horizon = min(now, end)
    result = {"all": 0, "regulation": 0, "conduct": 0, "on_time": 0, "satisfied": 0}
    for fb in qs.only("status", "topic", "forwarded_late", "info_requested_late", "refused_at", "refuse_due_at",
                      "answered_at", "answer_due_at", "published_at", "publish_due_at", "allow_publish",
                      "sender_satisfied"):
        result["all"] += 1
        result["regulation"] += fb.topic == FeedbackTopic.REGULATION
        result["conduct"] += fb.topic == FeedbackTopic.CONDUCT
        late = feedback_late(fb, horizon)
        result["on_time"] += not late
        result["satisfied"] += not (late or fb.sender_satisfied is False or fb.recomplained)
    return result


def feedback_late(fb: Feedback, horizon: dt.datetime) -> bool:
    """Decision 766 indicator 5.2: each step within its limit, an unfinished step judged at ``horizon``."""
    if fb.forwarded_late or fb.info_requested_late:
        return True
    if fb.status == FeedbackStatus.REFUSED:
        return fb.refuse_due_at is not None and fb.refused_at > fb.refuse_due_at
    if fb.answered_at is None:
        return fb.status == FeedbackStatus.RECEIVED and fb.answer_due_at is not None and horizon > fb.answer_due_at
    if fb.answer_due_at is not None and fb.answered_at > fb.answer_due_at:
        return True
    if fb.allow_publish and fb.publish_due_at is not None:
        published = fb.published_at or horizon
        return published > fb.publish_due_at
    return False


def _days(seconds: int, count: int) -> Decimal:
    """Average working days (8 hours) per dossier, 2 decimals."""
    if not count:
        return Decimal(0)
    return (Decimal(seconds) / metrics.WORKING_DAY_SECONDS / count).quantize(TWO, ROUND_HALF_UP)


# ----- the index --------------------------------------------------------------------------------------------

def compute(scope: Scope, period: Period, *, filters: Filters | None = None, numbers: Numbers | None = None,
            now: dt.datetime | None = None) -> Index:
    from .selectors import dashboard_numbers

    filters = filters or Filters()
    now = now or timezone.now()
    w = weights()
    n = numbers or dashboard_numbers(scope, period, filters=filters, now=now)
    c = n.counts
    _start, end = counting.day_bounds(period.first, period.last)
    catalog = catalog_counts(scope, filters)
    used, online_services = online_procedures_used(scope, period, filters)
    backlog = backlog_at(scope, filters, end, now)
    feedback = feedback_counts(scope, period, now)

    processed = c["finished"] + backlog["open"]
    processed_on_time = n.on_time + backlog["open"] - backlog["late"]
    late_rate = rate(processed - processed_on_time, processed)
    disliked_rate = rate(c["finished_disliked"], c["finished"])
    satisfaction_544 = None
    if late_rate is not None:
        satisfaction_544 = max(Decimal(100) - late_rate - (disliked_rate or Decimal(0)), Decimal(0))

    def ind(code, name, formula, numerator=None, denominator=None, threshold=100, **kw):
        return Indicator(code=code, name=str(name), formula=str(formula), numerator=numerator,
                         denominator=denominator, threshold=Decimal(threshold), points=w[code],
                         reason=str(NOT_MEASURED.get(code, "")), **kw)

    groups = {code: Group(code, str(name), points) for code, name, points in GROUPS}
    groups["1"].indicators = [
        ind("1.1", _("TTHC được công bố đúng hạn"),
            _("TTHC có quyết định công bố đúng hạn ÷ TTHC công bố trong kỳ")),
        ind("1.2", _("TTHC được cập nhật, công khai đúng hạn"),
            _("TTHC công khai trên CSDL quốc gia đúng hạn ÷ TTHC công bố")),
        ind("1.3", _("TTHC có đủ các bộ phận bắt buộc"),
            _("TTHC có đủ tên, trình tự, cách thức, thành phần hồ sơ, thời hạn, đối tượng, cơ quan ÷ TTHC"),
            catalog["complete"], catalog["procedures"]),
        ind("1.4", _("Hồ sơ được đồng bộ lên Cổng DVC quốc gia"),
            _("Hồ sơ đồng bộ ÷ hồ sơ tiếp nhận")),
    ]
    groups["2"].indicators = [
        ind("2.1", _("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn"),
            _("(Hồ sơ giải quyết trước hạn, đúng hạn + hồ sơ đang giải quyết trong hạn cuối kỳ) ÷ "
              "(hồ sơ đã giải quyết + hồ sơ đang giải quyết cuối kỳ)"),
            processed_on_time, processed),
        ind("2.2", _("Thời gian giải quyết trung bình so với quy định"),
            _("Thời gian được phép trung bình ÷ thời gian giải quyết trung bình, theo ngày làm việc (tối đa 100 %)"),
            _days(c["allowed_seconds"], c["finished_timed"]),
            max(_days(c["processing_seconds_timed"], c["finished_timed"]), _days(c["allowed_seconds"],
                                                                               c["finished_timed"]))
            if c["finished_timed"] else 0),
    ]
    groups["3"].indicators = [
        ind("3.1", _("TTHC cung cấp dịch vụ công trực tuyến"),
            _("TTHC trực tuyến một phần hoặc toàn trình ÷ TTHC của đơn vị"), catalog["online"],
            catalog["procedures"], threshold=80),
        ind("3.2", _("Dịch vụ trực tuyến có phát sinh hồ sơ"),
            _("Dịch vụ trực tuyến có ít nhất 1 hồ sơ trực tuyến trong kỳ ÷ dịch vụ trực tuyến"), used,
            online_services),
        ind("3.3", _("Tỷ lệ hồ sơ trực tuyến"), _("Hồ sơ tiếp nhận trực tuyến ÷ hồ sơ tiếp nhận"),
            c["received_online"], c["received"], threshold=50),
        ind("3.5", _("TTHC có tích hợp thanh toán trực tuyến"),
            _("TTHC đồng bộ dữ liệu phí ÷ TTHC có phí, lệ phí"), threshold=80),
        ind("3.6", _("Tỷ lệ hồ sơ thanh toán trực tuyến"),
            _("Hồ sơ thanh toán trực tuyến ÷ hồ sơ của TTHC có phí, lệ phí"), c["received_paid_online"],
            c["received_fee_bearing"]),
    ]
    groups["4"].indicators = [
        ind("4.1", _("Cấp kết quả điện tử"), _("Hồ sơ có kết quả điện tử ÷ hồ sơ có kết quả"),
            c["finished_e_result"], c["finished_with_result"]),
        ind("4.2", _("Tỷ lệ số hóa hồ sơ, kết quả"),
            _("Hồ sơ được số hóa thành phần và có kết quả điện tử ÷ hồ sơ đã giải quyết"),
            c["finished_digitised_e_result"], c["finished"], threshold=80),
        ind("4.3", _("Tái sử dụng dữ liệu số hóa"), _("Hồ sơ có thành phần tái sử dụng ÷ hồ sơ tiếp nhận"),
            c["received_reused"], c["received"], threshold=80),
        ind("4.4", _("Hồ sơ số hóa kết nối Kho dữ liệu của công dân"),
            _("Hồ sơ có thành phần lấy từ Kho DMQG ÷ hồ sơ")),
        ind("4.5", _("Khai thác dữ liệu dân cư"),
            _("Hồ sơ nộp bằng tài khoản định danh điện tử ÷ hồ sơ")),
    ]
    groups["5"].indicators = [
        ind("5.1", _("Phản ánh, kiến nghị về quy định hành chính"),
            _("PAKN về quy định hành chính ÷ tổng số PAKN (PAKN về hành vi: %(n)s)") % {"n": feedback["conduct"]},
            feedback["regulation"], feedback["all"]),
        ind("5.2", _("Xử lý phản ánh, kiến nghị đúng hạn"),
            _("PAKN xử lý đúng hạn (từ chối ≤ 2, đề nghị bổ sung ≤ 5, trả lời ≤ 15, công khai ≤ 2 ngày làm việc) "
              "÷ tổng số PAKN"), feedback["on_time"], feedback["all"]),
        ind("5.3", _("Mức độ hài lòng về xử lý phản ánh, kiến nghị"),
            _("(Tổng PAKN − không hài lòng − phản ánh lại − quá hạn) ÷ tổng PAKN"), feedback["satisfied"],
            feedback["all"]),
        ind("5.4", _("Mức độ hài lòng về giải quyết TTHC"),
            _("100 % − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ bị phản ánh hoặc không hài lòng)"),
            threshold=90, direct_rate=satisfaction_544.quantize(TWO) if satisfaction_544 is not None else None),
    ]
    return Index(period=period, groups=[groups[code] for code, _n, _p in GROUPS])
