"""Receipt rendering benchmark: how long one receipt (form 01) takes and whether memory stays flat.

    .venv/bin/python -m bench.receipt [--runs 50] [--renders 1000]

Reports the median time of a full receipt (context with its QR code + WeasyPrint PDF), the median of
WeasyPrint rendering a bare one-line page in the same process (the ratio says what our template costs
above the library's floor), and memory across ``--renders`` renders: Python heap (tracemalloc) and the
process RSS, sampled every tenth of the run. Goal: median ≤ 60 ms on the 2-core CI machine; memory flat.
No database is needed: the dossier is built in memory.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

GOAL_MS = 60.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def sample_receipt():
    """A realistic one-page receipt: the worked example of DOMAIN.md (09:32 Fri 27/10/2023, 5 days)."""
    from accounts.models import Agency, AgencyKind
    from dossiers.documents import Header
    from dossiers.models import Dossier
    from procedures.models import Procedure

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    province = Agency(pk=1, code="000.00.00.H56", name="UBND tỉnh Thanh Hóa", kind=AgencyKind.PROVINCE)
    agency = Agency(pk=2, code="000.00.06.H56", name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                    kind=AgencyKind.DEPARTMENT, parent=province, address="28 Đại lộ Lê Lợi, TP Thanh Hóa",
                    phone="02373 726 777")
    procedure = Procedure(pk=1, code="1.001193", name="Đăng ký khai sinh")
    dossier = Dossier(
        pk=1, code="000.00.06.H56-231027-0361", tracking_token="bench-token-AbCdEfGhIjKlMn",
        procedure=procedure, applicant_name="Nguyễn Thị Hồng Nhung", applicant_id_number="038190012345",
        applicant_phone="0912345678", applicant_email="nhung.nguyen@example.vn",
        applicant_address="Số 12, phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa", channel="desk",
        delivery="desk", receiving_agency=agency, current_agency=agency, time_limit=Decimal(5),
        received_at=datetime(2023, 10, 27, 9, 32, tzinfo=tz), due_at=datetime(2023, 11, 3, 9, 32, tzinfo=tz),
        fee_due_vnd=8000,
    )
    rows = [
        {"name": "Tờ khai đăng ký khai sinh theo mẫu", "originals": 1, "certified": 0, "photocopies": 0},
        {"name": "Giấy chứng sinh", "originals": 1, "certified": 0, "photocopies": 0},
        {"name": "Giấy tờ tùy thân của người đi đăng ký", "originals": 0, "certified": 0, "photocopies": 1},
        {"name": "Giấy chứng nhận kết hôn của cha, mẹ", "originals": 0, "certified": 1, "photocopies": 0},
    ]
    header = Header(agency=agency, number="361/2023/TNHS", issued_at=datetime(2023, 10, 27, 9, 35, tzinfo=tz))
    return dossier, header, rows


def _median_ms(func, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed renders for the medians")
    parser.add_argument("--renders", type=int, default=1000, help="renders for the memory run")
    args = parser.parse_args(argv)

    _setup_django()
    import weasyprint

    from dossiers.documents import TEMPLATES, _fonts, receipt_context, render_pdf, subsetting_backend
    from dossiers.models import FormKind

    dossier, header, rows = sample_receipt()

    def receipt() -> bytes:
        context = receipt_context(dossier, header, rows=rows, extra={"book_entry": 361})
        return render_pdf(TEMPLATES[FormKind.RECEIPT], context)

    font_config = _fonts()[0]

    def bare() -> bytes:
        return weasyprint.HTML(string="<p>Hello</p>").write_pdf(font_config=font_config)

    pdf = receipt()
    for _ in range(4):  # warm caches: templates, fontconfig, Pango
        receipt()
        bare()
    receipt_median, receipt_p95 = _median_ms(receipt, args.runs)
    bare_median, _ = _median_ms(bare, args.runs)

    gc.collect()
    tracemalloc.start()
    samples = []
    step = max(args.renders // 10, 1)
    start = time.perf_counter()
    for index in range(1, args.renders + 1):
        receipt()
        if index % step == 0:
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
            samples.append((index, current / 2**20, peak / 2**20, _rss_mib()))
    memory_seconds = time.perf_counter() - start
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print("Receipt rendering (form 01, one A4 page, Liberation Serif, QR code)")
    print(f"  WeasyPrint {weasyprint.__version__}, font subsetting: {subsetting_backend()}, "
          f"PDF size {len(pdf) / 1024:.1f} KiB, CPUs {os.cpu_count()}")
    print(f"  receipt  median {receipt_median:6.1f} ms   p95 {receipt_p95:6.1f} ms   ({args.runs} runs)")
    print(f"  bare     median {bare_median:6.1f} ms   (one-line HTML page, same process)")
    print(f"  ratio    {receipt_median / bare_median:.1f}× the bare page")
    print(f"  goal     median ≤ {GOAL_MS:.0f} ms: {'met' if receipt_median <= GOAL_MS else 'NOT met'}")
    print(f"Memory across {args.renders} renders ({memory_seconds:.0f} s with tracemalloc on)")
    print("  renders   heap now   heap peak   RSS")
    for index, current, peak, rss in samples:
        print(f"  {index:7d}   {current:6.2f} MiB {peak:6.2f} MiB  {rss:6.1f} MiB")
    first, last = samples[0], samples[-1]
    per_render = (last[3] - first[3]) * 1024 / max(last[0] - first[0], 1)
    print(f"  RSS growth after the first {first[0]} renders: {last[3] - first[3]:+.1f} MiB "
          f"({per_render:+.2f} KiB per render); heap {last[1] - first[1]:+.2f} MiB; max RSS {max_rss:.1f} MiB")
    if subsetting_backend() != "harfbuzz":
        print("!! WeasyPrint is subsetting fonts with fontTools (slow): sudo apt-get install libharfbuzz-subset0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
