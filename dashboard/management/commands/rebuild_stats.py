"""Recount the dashboard's summary table for a period: ``manage.py rebuild_stats --from 2026-01-01 --to 2026-03-31``.

Run it once on an existing database, after a bulk import (the bench generator), or after dossiers were
edited by hand; day-to-day, the table follows every dossier event on its own.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min
from django.utils import timezone

from dashboard import summary
from dossiers.models import Dossier


class Command(BaseCommand):
    help = "Đếm lại bảng tổng hợp thống kê cho một khoảng thời gian (mặc định: toàn bộ dữ liệu)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="Ngày đầu (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", help="Ngày cuối (YYYY-MM-DD)")
        parser.add_argument("--chunk-days", type=int, default=31,
                            help="Số ngày đếm trong một giao dịch (giữ giao dịch ngắn)")

    def handle(self, *args, first=None, last=None, chunk_days=31, **options):
        try:
            start = dt.date.fromisoformat(first) if first else None
            end = dt.date.fromisoformat(last) if last else None
        except ValueError as exc:
            raise CommandError("Ngày phải có dạng YYYY-MM-DD.") from exc
        if start is None or end is None:
            bounds = Dossier.objects.aggregate(first=Min("received_at"), last=Max("completed_at"))
            today = timezone.localdate()
            start = start or (timezone.localdate(bounds["first"]) if bounds["first"] else today)
            end = end or today
        if end < start:
            raise CommandError("Ngày cuối phải sau ngày đầu.")
        total = 0
        cursor = start
        while cursor <= end:
            # Chunks end on a month's last day so each month is summed once its days are all recounted.
            month_end = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            chunk_end = min(end, month_end, cursor + dt.timedelta(days=chunk_days - 1))
            result = summary.rebuild(cursor, chunk_end)
            total += result["day_rows"]
            self.stdout.write(f"{cursor:%d/%m/%Y}–{chunk_end:%d/%m/%Y}: {result['day_rows']} dòng")
            cursor = chunk_end + dt.timedelta(days=1)
        self.stdout.write(self.style.SUCCESS(f"Xong: {total} dòng tổng hợp theo ngày."))
