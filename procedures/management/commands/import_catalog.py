from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from procedures.services import FORMATS, import_catalog_file


class Command(BaseCommand):
    help = "Nhập danh mục thủ tục từ tệp CSV/JSON (định dạng xuất của cổng) hoặc tệp dữ liệu mẫu (seed)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="csv, json hoặc seed; mặc định theo đuôi tệp (.json → json, còn lại csv).")

    def handle(self, *args, path: Path, format: str | None, **options):
        fmt = format or ("json" if path.suffix.lower() == ".json" else "csv")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
        try:
            result = import_catalog_file(data, fmt=fmt)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(str(result)))
