"""Deadline sweep benchmark: time and peak memory of a sweep over N dossiers, and of the sweep right after.

    .venv/bin/python -m bench sweep [--sizes 100000,1000000] [--chunk 500] [--regenerate] [--json FILE]

For each size N, a database of its own (``<bench database>_sweep_<N>``, created, migrated and filled by
``python -m bench generate --dossiers N`` the first time, reused afterwards) so the main bench database
is left alone. Two scenarios on the same data:

* **hôm nay** (today) — the sweep as the beat runs it: the generated data has ~1 % of dossiers open and
  a few dozen per 100 000 near or past due;
* **tồn đọng** (backlog) — as of 120 days from now, when every open dossier is past due, as after a long
  outage of the sweep: the work grows with N, and memory must not.

For each, in fresh processes so that memory is the sweep's own:

1. every alert removed, then a full sweep after the warm-up a long-lived worker has behind it
   (connections, calendars, holidays): the Python heap peak (tracemalloc, started just before);
2. the same without tracemalloc (it slows allocation-heavy code): wall time and peak RSS (ru_maxrss), then
   **again** — a second sweep right after in the same process, with nothing new to report: its time
   (goal < 1 s) and the plan of its read (EXPLAIN ANALYZE).

Goals (issue 5): memory flat — the backlog's heap peak at the largest size ≤ 1.2 × at the smallest (the
chunk of 500 makes even the 100 000 set run several chunks; the production default of 2000 only changes
the constant); every "again" < 1 s. Exit code 1 when a goal is missed. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MEMORY_RATIO_GOAL = 1.2
BACKLOG_DAYS = 120  # far enough that every open dossier of the generated data is past due
AGAIN_GOAL_SECONDS = 1.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# ----- the child: one measurement in a fresh process ------------------------------------------------------


def measure(mode: str, chunk: int, shift_days: int = 0) -> dict:
    """One full sweep from scratch, then the sweep right after it, in the same process (as in a worker).

    ``shift_days`` sweeps as of that many days from now: every open dossier's deadlines have passed, the
    backlog a sweep meets after a long outage — work that grows with the number of dossiers.
    """
    _setup_django()
    import tracemalloc

    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    from dossiers import alerts
    from dossiers.models import OPEN_STATUSES, Alert, Dossier

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(Alert._meta.db_table)}")
    # What a long-lived worker has done already: connections open, calendars and holidays loaded.
    now = timezone.now() + timedelta(days=shift_days)
    cache.get("bench:warm-up")
    alerts.near_thresholds(now)
    Dossier.objects.exists()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = mode == "traced"
    out_extra = {"shift_days": shift_days}
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    first = alerts.sweep(now=now, chunk_size=chunk)
    seconds = time.perf_counter() - began
    heap_peak = tracemalloc.get_traced_memory()[1] if traced else None
    tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    again = alerts.sweep(now=timezone.now() + timedelta(days=shift_days), chunk_size=chunk)
    again_seconds = time.perf_counter() - began
    out = {
        "mode": mode,
        "seconds": round(seconds, 3),
        "heap_peak_mb": None if heap_peak is None else round(heap_peak / 2**20, 2),
        "rss_peak_mb": round(rss_peak / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "sweep": first.as_dict(),
        "again_seconds": round(again_seconds, 3),
        "again": again.as_dict(),
        **out_extra,
    }
    if mode == "timed":
        near = alerts.near_thresholds(now)
        query = (Dossier.objects.filter(status__in=OPEN_STATUSES).filter(alerts.candidates_q(now, near))
                 .filter(pk__gt=0).order_by("pk").values(*alerts._FIELDS)[:chunk])
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            out["plan"] = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = ANY(%s)) FROM dossiers_dossier",
                [[str(s) for s in OPEN_STATUSES]],
            )
            out["dossiers"], out["open"] = cursor.fetchone()
    return out


# ----- the parent: databases, data, children, report ----------------------------------------------------------


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench sweep cần PostgreSQL: đặt DATABASE_URL=postgres://…")
    return url


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _run(args: list[str], env: dict, *, capture: bool = False) -> str:
    completed = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True,
                               stdout=subprocess.PIPE if capture else None)
    return completed.stdout if capture else ""


def _count_dossiers(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]


def prepare(size: int, base_url: str, *, regenerate: bool, out) -> tuple[str, dict]:
    base_name = urlsplit(base_url).path.lstrip("/") or "motcua"
    name = f"{base_name}_sweep_{size}"
    url = _with_db(base_url, name)
    _ensure_database(base_url, name)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    have = _count_dossiers(url)
    info = {"database": name, "generated_seconds": None}
    if regenerate or have != size:
        out.write(f"Sinh {size:,} hồ sơ vào {name} (đang có {have:,})…\n")
        out.flush()
        began = time.perf_counter()
        args = [sys.executable, "-m", "bench", "generate", "--dossiers", str(size), "--no-summary"]
        _run(args + (["--reset"] if have else []), env)
        info["generated_seconds"] = round(time.perf_counter() - began, 1)
    return url, info


def child(url: str, mode: str, chunk: int, shift_days: int = 0) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    text = _run([sys.executable, "-m", "bench.sweep", "--measure", mode, "--chunk", str(chunk),
                 "--shift-days", str(shift_days)], env, capture=True)
    return json.loads(text.strip().splitlines()[-1])


SCENARIOS = (
    # name, days ahead, what it shows
    ("hôm nay", 0, "the sweep as the beat runs it: what is near or past due now"),
    ("tồn đọng", BACKLOG_DAYS, "every open dossier past due (after an outage): work grows with N, memory must not"),
)


def _line(size: int, name: str, traced: dict, timed: dict) -> str:
    sweep = timed["sweep"]
    execution = [line for line in timed.get("plan", []) if line.startswith("Execution Time")]
    return (
        f"  [{name}] quét: {timed['seconds']:.2f} s — {sweep['dossiers']:,} hồ sơ cần cảnh báo, "
        f"{sweep['alerts']:,} cảnh báo, {sweep['chunks']} lô (đọc {sweep['read_seconds']:.2f} s, "
        f"ghi {sweep['write_seconds']:.2f} s)\n"
        f"  [{name}] bộ nhớ: heap đỉnh {traced['heap_peak_mb']:.2f} MB (tracemalloc), RSS đỉnh "
        f"{timed['rss_peak_mb']:.1f} MB (trước khi quét {timed['rss_before_mb']:.1f} MB)\n"
        f"  [{name}] quét lại ngay: {timed['again_seconds']:.3f} s ({timed['again']['dossiers']} hồ sơ mới)"
        + (f"; truy vấn đọc {execution[0].split(': ')[-1]}" if execution else "") + "\n"
    )


def run(sizes: list[int], *, chunk: int, regenerate: bool, out=sys.stdout) -> dict:
    base = _database_url()
    report: dict = {}
    for size in sizes:
        url, info = prepare(size, base, regenerate=regenerate, out=out)
        report[size] = {**info}
        for name, days, _why in SCENARIOS:
            traced = child(url, "traced", chunk, days)
            timed = child(url, "timed", chunk, days)
            report[size][name] = {"traced": traced, "timed": timed}
        timed_now = report[size][SCENARIOS[0][0]]["timed"]
        out.write(f"\n{size:>9,} hồ sơ ({timed_now['open']:,} đang mở) — CSDL {info['database']}, "
                  f"lô {chunk} hồ sơ\n")
        for name, _days, _why in SCENARIOS:
            out.write(_line(size, name, report[size][name]["traced"], report[size][name]["timed"]))
        out.flush()
    ratios = {}
    for name, _days, _why in SCENARIOS:
        small, large = report[min(sizes)][name], report[max(sizes)][name]
        ratios[name] = {
            "heap": large["traced"]["heap_peak_mb"] / max(small["traced"]["heap_peak_mb"], 1e-9),
            "rss": large["timed"]["rss_peak_mb"] / max(small["timed"]["rss_peak_mb"], 1e-9),
        }
    slowest_again = max(r[name]["timed"]["again_seconds"] for r in report.values() for name, *_ in SCENARIOS)
    backlog = SCENARIOS[1][0]
    ok = (len(sizes) < 2 or ratios[backlog]["heap"] <= MEMORY_RATIO_GOAL) and slowest_again < AGAIN_GOAL_SECONDS
    if len(sizes) > 1:
        out.write(f"\nTỉ lệ bộ nhớ {max(sizes):,} / {min(sizes):,} hồ sơ (mục tiêu ≤ {MEMORY_RATIO_GOAL}×):\n")
        for name, _days, _why in SCENARIOS:
            out.write(f"  [{name}] heap đỉnh {ratios[name]['heap']:.2f}×, RSS đỉnh {ratios[name]['rss']:.2f}×\n")
    out.write(f"Quét lại chậm nhất: {slowest_again:.3f} s (mục tiêu < {AGAIN_GOAL_SECONDS:.0f} s) — "
              f"{'ĐẠT' if ok else 'KHÔNG ĐẠT'}\n")
    return {"sizes": report, "ratios": ratios, "slowest_again_seconds": slowest_again, "chunk": chunk, "ok": ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="số hồ sơ, cách nhau bởi dấu phẩy")
    parser.add_argument("--chunk", type=int, default=500,
                        help="số hồ sơ mỗi lô đọc (keyset); 500 để cả bộ 100 000 hồ sơ cũng chạy nhiều lô")
    parser.add_argument("--regenerate", action="store_true", help="sinh lại dữ liệu dù đã đủ")
    parser.add_argument("--json", metavar="FILE", help="ghi kết quả chi tiết (JSON) vào tệp")
    parser.add_argument("--measure", choices=["traced", "timed"], help=argparse.SUPPRESS)
    parser.add_argument("--shift-days", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.chunk, args.shift_days), default=str))
        return 0
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    report = run(sizes, chunk=args.chunk, regenerate=args.regenerate)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
