"""Demo data for `make run`: role groups, a Thanh Hóa agency tree, demo logins and the real catalog.

Idempotent: running it again updates the same rows (and resets the demo passwords to the one the
Makefile prints). It lives in `dashboard` because that is the top app and may import every other one.
Refuses to run without DEBUG unless --force, so a production database never gets `admin/motcua2026`.
"""

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Agency, AgencyKind, User
from accounts.roles import Role
from accounts.services import citizen_register, ensure_role_groups

DEMO_PASSWORD = "motcua2026"
PROVINCE_CODE = "000.00.00.H56"
CENTRE_CODE = "000.00.06.H56"
DEMO_COMMUNE_CODE = "000.20.01.H56"

# (code, name, kind, address, phone). Codes follow QĐ 20/2020/QĐ-TTg's xxx.xx.xx.Hnn layout; H56 = Thanh Hóa.
# Since 01/7/2025 there are two tiers: departments and communes/wards hang directly under the province.
PROVINCE = (PROVINCE_CODE, "UBND tỉnh Thanh Hóa", "35 Đại lộ Lê Lợi, phường Hạc Thành", "02373852356")
DEPARTMENTS = [
    (CENTRE_CODE, "Trung tâm Phục vụ hành chính công tỉnh", "28 Đại lộ Lê Lợi, phường Hạc Thành", "02373900888"),
    ("000.00.04.H56", "Sở Tài chính", "16 Hạc Thành, phường Hạc Thành", "02373852366"),
    ("000.00.15.H56", "Sở Tư pháp", "24 Hạc Thành, phường Hạc Thành", "02373852147"),
    ("000.00.18.H56", "Sở Y tế", "101 Hải Thượng Lãn Ông, phường Hạc Thành", "02373852445"),
    ("000.00.19.H56", "Sở Nông nghiệp và Môi trường", "14 Hạc Thành, phường Hạc Thành", "02373852296"),
]
COMMUNES = [
    (DEMO_COMMUNE_CODE, "UBND phường Hạc Thành", "2 Lê Hoàn, phường Hạc Thành", "02373852035"),
    ("000.20.02.H56", "UBND phường Hàm Rồng", "Đường Nguyễn Trãi, phường Hàm Rồng", "02373961234"),
    ("000.20.03.H56", "UBND phường Sầm Sơn", "Đường Trần Hưng Đạo, phường Sầm Sơn", "02373821234"),
    ("000.20.04.H56", "UBND phường Bỉm Sơn", "Đường Trần Phú, phường Bỉm Sơn", "02373824567"),
    ("000.20.05.H56", "UBND xã Hoằng Hóa", "Thị trấn cũ Bút Sơn, xã Hoằng Hóa", "02373865432"),
    ("000.20.06.H56", "UBND xã Thọ Xuân", "Thị trấn cũ Thọ Xuân, xã Thọ Xuân", "02373833210"),
]
# Which department implements a province-level procedure of a field (after the 2025 merger of departments).
DEPARTMENT_BY_FIELD = {
    "Đất đai": "000.00.19.H56",
    "Đăng ký biện pháp bảo đảm": "000.00.19.H56",
    "Giảm nghèo": "000.00.19.H56",
    "Hộ tịch": "000.00.15.H56",
    "Chứng thực": "000.00.15.H56",
    "Hòa giải ở cơ sở": "000.00.15.H56",
    "Bảo trợ xã hội": "000.00.18.H56",
    "Thành lập và hoạt động của hộ kinh doanh": "000.00.04.H56",
}

CITIZEN = {
    "full_name": "Nguyễn Văn An", "phone": "0912345678", "email": "congdan@example.vn",
    # 038 = Thanh Hóa, 0 = male born 1900–1999, 90 = 1990, then six random digits.
    "cccd": "038090012345",
}
STAFF = [
    # (username, full name, role, agency code)
    ("motcua.tiepnhan", "Lê Thị Hoa", Role.CLERK, DEMO_COMMUNE_CODE),
    ("motcua.chuyenvien", "Trần Văn Bình", Role.SPECIALIST, DEMO_COMMUNE_CODE),
    ("motcua.lanhdao", "Phạm Minh Đức", Role.LEADER, DEMO_COMMUNE_CODE),
]


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: nhóm vai trò, cơ quan, tài khoản demo (mật khẩu motcua2026) và danh mục thủ tục."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Chạy cả khi DEBUG tắt (không dùng cho hệ thống thật).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo tạo tài khoản với mật khẩu công khai; chỉ chạy khi DEBUG=1 hoặc với --force."
            )
        with transaction.atomic():
            ensure_role_groups()
            agencies = self.seed_agencies()
            admin = self.seed_users(agencies)
            self.seed_catalog(admin, agencies)
        self.seed_work(agencies)
        self.stdout.write(self.style.SUCCESS("Dữ liệu mẫu đã sẵn sàng."))

    # ------------------------------------------------------------------ desk queue and dossiers
    def seed_work(self, agencies: dict[str, Agency]) -> None:
        from dashboard.demo_dossiers import seed_dossiers
        from reception.seed import seed_desk_queue

        commune = agencies[DEMO_COMMUNE_CODE]
        seed_desk_queue(commune)
        staff = {role: User.objects.get(username=username) for username, _name, role, _code in STAFF}
        count = seed_dossiers(agency=commune, citizen=User.objects.get(phone=CITIZEN["phone"]),
                              clerk=staff[Role.CLERK], specialist=staff[Role.SPECIALIST], leader=staff[Role.LEADER])
        self.stdout.write(f"  Quầy một cửa và hàng đợi: {commune.name}; hồ sơ mẫu mới: {count}")

    # ------------------------------------------------------------------ agencies
    def seed_agencies(self) -> dict[str, Agency]:
        code, name, address, phone = PROVINCE
        province = self._agency(code, name=name, kind=AgencyKind.PROVINCE, parent=None,
                                address=f"{address}, tỉnh Thanh Hóa", phone=phone)
        agencies = {code: province}
        for code, name, address, phone in DEPARTMENTS:
            agencies[code] = self._agency(code, name=name, kind=AgencyKind.DEPARTMENT, parent=province,
                                          address=f"{address}, tỉnh Thanh Hóa", phone=phone)
        for code, name, address, phone in COMMUNES:
            agencies[code] = self._agency(code, name=name, kind=AgencyKind.COMMUNE, parent=province,
                                          address=f"{address}, tỉnh Thanh Hóa", phone=phone)
        self.stdout.write(f"  Cơ quan: {len(agencies)} (tỉnh, {len(DEPARTMENTS)} sở/trung tâm, "
                          f"{len(COMMUNES)} xã/phường)")
        return agencies

    @staticmethod
    def _agency(code: str, **fields) -> Agency:
        # The Thanh Hóa one-stop system's default sessions (DOMAIN.md B: 07:00–11:30, 13:30–17:00).
        fields.update(morning_start=dt.time(7), morning_end=dt.time(11, 30),
                      afternoon_start=dt.time(13, 30), afternoon_end=dt.time(17), is_active=True)
        agency, _created = Agency.objects.update_or_create(code=code, defaults=fields)
        return agency

    # ------------------------------------------------------------------ users
    def seed_users(self, agencies: dict[str, Agency]) -> User:
        citizen = User.objects.filter(phone=CITIZEN["phone"]).first()
        if citizen is None:
            citizen = citizen_register(password=DEMO_PASSWORD, **CITIZEN)
        else:
            self._reset(citizen, **CITIZEN)
        citizen.address = "15 Phan Chu Trinh, phường Hạc Thành, tỉnh Thanh Hóa"
        citizen.save(update_fields=["address"])

        for username, full_name, role, agency_code in STAFF:
            user = User.objects.filter(username=username).first() or User(username=username)
            self._reset(user, full_name=full_name, email=f"{username}@thanhhoa.gov.vn", agency=agencies[agency_code],
                        is_staff=False)
            user.groups.set([Group.objects.get(name=role)])

        admin = User.objects.filter(username="admin").first() or User(username="admin")
        self._reset(admin, full_name="Quản trị hệ thống", email="admin@thanhhoa.gov.vn", is_staff=True,
                    is_superuser=True, agency=None)
        admin.groups.set([Group.objects.get(name=Role.ADMIN)])
        self.stdout.write(f"  Tài khoản demo: công dân {CITIZEN['phone']}, "
                          f"{', '.join(s[0] for s in STAFF)}, admin (mật khẩu {DEMO_PASSWORD})")
        return admin

    @staticmethod
    def _reset(user: User, **fields) -> None:
        for name, value in fields.items():
            setattr(user, name, value)
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()

    # ------------------------------------------------------------------ catalog
    def seed_catalog(self, admin: User, agencies: dict[str, Agency]) -> None:
        try:
            from procedures.services import load_seed_catalog
        except ImportError as exc:
            self.stderr.write(self.style.WARNING(
                f"  Bỏ qua danh mục thủ tục: procedures.services.load_seed_catalog chưa có ({exc})."))
            return
        result = load_seed_catalog(by=admin)
        self.stdout.write(f"  Danh mục thủ tục: {result}")
        self.link_procedures(agencies)

    def link_procedures(self, agencies: dict[str, Agency]) -> None:
        """Give each procedure its implementing agencies by level (the seed file names none).

        Commune level (and the legacy district level, whose procedures went to communes on 01/7/2025)
        → every commune; province level → the department of its field, else the provincial People's
        Committee. "Xã/Tỉnh" style notes link both tiers. Procedures an administrator already linked are
        left alone.
        """
        from procedures.models import Level, Procedure
        from procedures.text import fold

        communes = [agencies[c[0]] for c in COMMUNES]
        linked = 0
        for procedure in Procedure.objects.filter(agencies__isnull=True).select_related("field"):
            note = fold(procedure.level_note)
            targets = []
            if procedure.level in (Level.COMMUNE, Level.DISTRICT) or re.search(r"\bxa\b", note):
                targets += communes
            if procedure.level in (Level.PROVINCE, Level.CENTRAL) or re.search(r"\btinh\b", note):
                targets.append(agencies[DEPARTMENT_BY_FIELD.get(procedure.field.name, PROVINCE_CODE)])
            procedure.agencies.add(*targets)
            linked += 1
        self.stdout.write(f"  Gắn cơ quan thực hiện cho {linked} thủ tục.")
