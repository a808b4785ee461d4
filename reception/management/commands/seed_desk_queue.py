from django.core.management.base import BaseCommand, CommandError

from accounts.models import Agency
from reception.seed import seed_desk_queue


class Command(BaseCommand):
    help = "Tạo các dịch vụ lấy số và quầy mặc định cho cơ quan (chạy lại không tạo trùng)."

    def add_arguments(self, parser):
        parser.add_argument("agency_codes", nargs="+", help="Mã định danh điện tử của cơ quan, ví dụ 000.20.01.H56")
        parser.add_argument("--counters", type=int, default=3, help="Số quầy (mặc định 3).")

    def handle(self, *args, agency_codes, counters, **options):
        for code in agency_codes:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                raise CommandError(f"Không có cơ quan mã {code}.")
            services, made = seed_desk_queue(agency, counters=counters)
            self.stdout.write(f"{agency}: {len(services)} dịch vụ, {len(made)} quầy. "
                              f"Máy lấy số: /mot-cua/lay-so/{agency.code}/ · "
                              f"Màn hình: /mot-cua/man-hinh/{agency.code}/")
