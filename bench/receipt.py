"""Receipt rendering benchmark: how long one receipt (form 01) takes and whether memory stays flat.

    .venv/bin/python -m bench receipt [--runs 50] [--renders 1000]     (or: python -m bench.receipt)

Reports the median time of a full receipt (context with its QR code + WeasyPrint PDF), the median of
WeasyPrint rendering a bare one-line page in the same process (the ratio says what our template costs
above the library's floor), and memory across ``--renders`` renders: Python heap (tracemalloc) and the
process RSS, sampled every tenth of the run. Goal: median ≤ 60 ms on the 2-core CI machine; memory flat.
Wall and CPU time are both shown: on a shared machine the CPU time is what the render itself costs.
No database is needed: the dossier is built in memory. Exits 1 if fonts are subset by fontTools.
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


def _timed(func) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call. CPU time shows what the render costs when others share the cores."""
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.95) - 1, 0)]


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="số lần đo thời gian (trung vị)")
    parser.add_argument("--renders", type=int, default=1000, help="số lần in khi đo bộ nhớ")
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
    # Interleaved, so a neighbour's load slows both sides of the ratio alike.
    timings = {"receipt": [], "bare": []}
    for _ in range(args.runs):
        timings["receipt"].append(_timed(receipt))
        timings["bare"].append(_timed(bare))
    wall = {name: [w for w, _c in values] for name, values in timings.items()}
    cpu = {name: [c for _w, c in values] for name, values in timings.items()}
    receipt_median, bare_median = statistics.median(wall["receipt"]), statistics.median(wall["bare"])

    # Memory: RSS sampled every tenth of the run; Python's own heap traced (tracemalloc slows every
    # allocation several times) over the last tenth, where anything retained per render is a leak.
    gc.collect()
    samples, step = [], max(args.renders // 10, 1)
    traced_from = args.renders - step
    heap_base = 0
    start = time.perf_counter()
    for index in range(1, args.renders + 1):
        if index == traced_from + 1:
            gc.collect()
            tracemalloc.start()
        receipt()
        if index == traced_from + 1:  # the first traced render may fill caches once: count from after it
            gc.collect()
            heap_base = tracemalloc.get_traced_memory()[0]
        if index % step == 0 and index <= traced_from:  # tracemalloc's own tables would inflate RSS
            gc.collect()
            samples.append((index, _rss_mib()))
    gc.collect()
    heap_now, heap_peak = tracemalloc.get_traced_memory()
    heap_retained, heap_peak = (heap_now - heap_base) / 2**20, heap_peak / 2**20
    tracemalloc.stop()
    memory_seconds = time.perf_counter() - start
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    load = os.getloadavg()[0]
    print("In giấy tiếp nhận (mẫu 01: một trang A4, Liberation Serif, mã QR)")
    print(f"  WeasyPrint {weasyprint.__version__}, subset phông: {subsetting_backend()}, "
          f"PDF {len(pdf) / 1024:.1f} KiB, {os.cpu_count()} CPU, tải trung bình 1 phút {load:.2f}")
    print(f"  giấy tiếp nhận  trung vị {receipt_median:6.1f} ms  p95 {_p95(wall['receipt']):6.1f} ms  "
          f"(CPU: trung vị {statistics.median(cpu['receipt']):6.1f} ms)  {args.runs} lần")
    print(f"  trang trống     trung vị {bare_median:6.1f} ms  p95 {_p95(wall['bare']):6.1f} ms  "
          f"(CPU: trung vị {statistics.median(cpu['bare']):6.1f} ms)  một dòng HTML, cùng tiến trình")
    print(f"  tỉ lệ           {receipt_median / bare_median:.1f}× trang trống "
          f"(CPU {statistics.median(cpu['receipt']) / statistics.median(cpu['bare']):.1f}×)")
    print(f"  mục tiêu        trung vị ≤ {GOAL_MS:.0f} ms: {'đạt' if receipt_median <= GOAL_MS else 'CHƯA đạt'}")
    print(f"Bộ nhớ qua {args.renders} lần in ({memory_seconds:.0f} s)")
    print("  RSS (MiB) sau " + ", ".join(f"{index}: {rss:.1f}" for index, rss in samples))
    first, last = samples[0], samples[-1]
    per_render = (last[1] - first[1]) * 1024 / max(last[0] - first[0], 1)
    print(f"  RSS từ lần {first[0]} đến lần {last[0]}: {last[1] - first[1]:+.1f} MiB ({per_render:+.2f} KiB/lần); "
          f"RSS tối đa {max_rss:.1f} MiB")
    print(f"  heap Python (tracemalloc, {step} lần in cuối): còn giữ thêm {heap_retained * 1024:+.1f} KiB "
          f"({heap_retained * 1024 / max(step - 1, 1):+.2f} KiB/lần), đỉnh {heap_peak:.2f} MiB trong một lần in")
    if subsetting_backend() != "harfbuzz":
        print("!! WeasyPrint đang subset phông bằng fontTools (chậm 5–10×): sudo apt-get install libharfbuzz-subset0")
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
