import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.services import EXPORT_FORMATS, export_catalog


class Command(BaseCommand):
    help = "Xuất toàn bộ danh mục thủ tục (phiên bản, trường hợp, thành phần hồ sơ, quy trình) ra CSV hoặc JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Tệp đích; “-” để in ra màn hình.")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                            help="csv hoặc json; mặc định theo đuôi tệp (.json → json, còn lại csv).")

    def handle(self, *args, path: str, format: str | None, **options):
        fmt = format or ("json" if path.lower().endswith(".json") else "csv")
        content = export_catalog(fmt=fmt)
        if path == "-":
            sys.stdout.write(content)
            return
        try:
            # newline="" keeps the CSV's own CRLF line ends, so the file is byte-identical to the admin's export.
            Path(path).write_text(content, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp {path}: {exc.strerror}") from exc
        self.stdout.write(self.style.SUCCESS(f"Đã xuất danh mục ra {path}."))
