"""The summary tables behind the leaders' dashboard (dashboard/summary.py keeps them current).

One ``DailyStat`` row per (receiving agency, procedure, local day) that has anything to count, and one
``MonthlyStat`` row per (agency, procedure, month) that is the sum of that month's daily rows. A dashboard
query reads at most agencies × procedures × months (or days) rows, whatever the number of dossiers.

Each counter is keyed on the day of its own event:
* ``received_*`` — the day the dossier was received (``received_at``);
* ``finished_*``, ``refused``, the seconds and ``finished_disliked`` — the day it finished (``completed_at``:
  the first of result ready, returned, stopped, refused or withdrawn);
* ``rating_*`` — the day the citizen rated.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from procedures.models import Procedure

# The counters, in the order the exports list them. Every one is a plain sum over dossiers (or ratings).
COUNTERS = (
    "received",
    "received_desk",
    "received_online",
    "received_postal",
    "received_digitised",
    "received_reused",
    "received_vneid",
    "received_fee_bearing",
    "received_paid_online",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "finished_late_supplement",
    "finished_with_result",
    "finished_e_result",
    "finished_digitised_e_result",
    "finished_disliked",
    "finished_timed",
    "processing_seconds",
    "processing_seconds_timed",
    "allowed_seconds",
    "refused",
    "rating_very_satisfied",
    "rating_satisfied",
    "rating_unsatisfied",
    "rating_criteria_count",
    "rating_criteria_points",
)


class StatCounts(models.Model):
    received = models.PositiveIntegerField(_("tiếp nhận"), default=0)
    received_desk = models.PositiveIntegerField(_("tiếp nhận trực tiếp"), default=0)
    received_online = models.PositiveIntegerField(_("tiếp nhận trực tuyến"), default=0)
    received_postal = models.PositiveIntegerField(_("tiếp nhận qua bưu chính"), default=0)
    received_digitised = models.PositiveIntegerField(_("đã số hóa"), default=0)
    received_reused = models.PositiveIntegerField(_("tái sử dụng dữ liệu số hóa"), default=0)
    received_vneid = models.PositiveIntegerField(_("tài khoản định danh điện tử"), default=0)
    received_fee_bearing = models.PositiveIntegerField(_("có phí, lệ phí"), default=0)
    received_paid_online = models.PositiveIntegerField(_("thanh toán trực tuyến"), default=0)
    finished = models.PositiveIntegerField(_("đã giải quyết"), default=0)
    finished_early = models.PositiveIntegerField(_("trước hạn"), default=0)
    finished_on_time = models.PositiveIntegerField(_("đúng hạn"), default=0)
    finished_late = models.PositiveIntegerField(_("quá hạn"), default=0)
    finished_late_supplement = models.PositiveIntegerField(_("quá hạn do bổ sung nhiều lần"), default=0)
    finished_with_result = models.PositiveIntegerField(_("có kết quả"), default=0)
    finished_e_result = models.PositiveIntegerField(_("có kết quả điện tử"), default=0)
    finished_digitised_e_result = models.PositiveIntegerField(_("số hóa và có kết quả điện tử"), default=0)
    finished_disliked = models.PositiveIntegerField(_("bị phản ánh hoặc không hài lòng"), default=0)
    finished_timed = models.PositiveIntegerField(_("có thời hạn giải quyết"), default=0)
    processing_seconds = models.PositiveBigIntegerField(_("tổng thời gian giải quyết (giây làm việc)"), default=0)
    processing_seconds_timed = models.PositiveBigIntegerField(default=0)
    allowed_seconds = models.PositiveBigIntegerField(_("tổng thời gian cho phép (giây làm việc)"), default=0)
    refused = models.PositiveIntegerField(_("từ chối tiếp nhận"), default=0)
    rating_very_satisfied = models.PositiveIntegerField(_("rất hài lòng"), default=0)
    rating_satisfied = models.PositiveIntegerField(_("hài lòng"), default=0)
    rating_unsatisfied = models.PositiveIntegerField(_("không hài lòng"), default=0)
    rating_criteria_count = models.PositiveIntegerField(default=0)
    rating_criteria_points = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


class DailyStat(StatCounts):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        verbose_name = _("thống kê theo ngày")
        verbose_name_plural = _("thống kê theo ngày")
        constraints = [models.UniqueConstraint(fields=["agency", "procedure", "day"], name="daily_stat_key")]
        # Dashboard reads: a scope of agencies over a range of days.
        indexes = [models.Index(fields=["agency", "day"], name="daily_stat_agency_day")]


class MonthlyStat(StatCounts):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        verbose_name = _("thống kê theo tháng")
        verbose_name_plural = _("thống kê theo tháng")
        constraints = [models.UniqueConstraint(fields=["agency", "procedure", "month"], name="monthly_stat_key")]
        indexes = [models.Index(fields=["agency", "month"], name="monthly_stat_agency_month")]


# ----- rollups of the rows above, for the views that do not split by procedure (or by agency) ------------------
# The province's page over a year would otherwise add up agencies × procedures × 12 monthly rows; these keep
# it to agencies × 12 (by agency, totals, trend) and procedures × 12 (by procedure, for the whole province).


class AgencyDayStat(StatCounts):
    """Sum of the DailyStat rows of one agency and day (every procedure)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="agency_day_stat_key")]


class AgencyMonthStat(StatCounts):
    """Sum of the AgencyDayStat rows of one agency and month."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="agency_month_stat_key")]


class ProcedureMonthStat(StatCounts):
    """Sum of the MonthlyStat rows of one procedure and month (every agency)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["procedure", "month"], name="procedure_month_stat_key")]
