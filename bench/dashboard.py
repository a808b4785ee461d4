"""Dashboard benchmark: the leaders' main page over N generated dossiers, against counting them directly.

    .venv/bin/python -m bench dashboard [--dossiers 1000000] [--runs 30] [--regenerate]

A database of its own (``<bench database>_dashboard_<N>``: created, migrated and filled by
``python -m bench generate --dossiers N --no-summary`` the first time, reused afterwards), then:

1. **summary rebuild** — ``manage.py rebuild_stats`` over the whole history (what a new installation or a
   bulk import runs once), timed;
2. **main page** — GET /thong-ke/ as the province's leader (the whole province, this year): the full
   request, template and charts' data included; median and p90 over ``--runs`` after a warm-up. Also a
   commune leader's page, and the month view;
3. **direct count** — the same numbers counted in SQL over the dossiers table (``selectors.direct_numbers``
   without the working-time sums, which need Python per dossier), in the same run: median and the ratio
   page ÷ direct. The numbers are compared: summary == direct (every counter but the time sums);
4. **exports** — Excel, CSV and the printed PDF of the same page: time of one each.

Goal (issue 6): main page median < 100 ms. Exit code 1 when missed. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0
TIME_SUMS = ("processing_seconds", "processing_seconds_timed", "allowed_seconds")


# ----- the database -----------------------------------------------------------------------------------------

def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench dashboard cần PostgreSQL: đặt DATABASE_URL=postgres://…")
    return url


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _ensure_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def prepare(size: int, base_url: str, *, regenerate: bool, rebuild: bool, out) -> tuple[str, dict]:
    base_name = urlsplit(base_url).path.lstrip("/") or "motcua"
    name = f"{base_name}_dashboard_{size}"
    url = _with_db(base_url, name)
    _ensure_database(base_url, name)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    have = _count(url, "dossiers_dossier")
    info = {"database": name, "generated_seconds": None, "rebuild_seconds": None}
    if regenerate or have != size:
        out.write(f"Sinh {size:,} hồ sơ vào {name} (đang có {have:,})…\n")
        out.flush()
        began = time.perf_counter()
        _run([sys.executable, "-m", "bench", "generate", "--dossiers", str(size), "--no-summary",
              *(["--reset"] if have else [])], env)
        info["generated_seconds"] = round(time.perf_counter() - began, 1)
    if rebuild or info["generated_seconds"] is not None or _count(url, "dashboard_monthlystat") == 0:
        out.write("Dựng bảng tổng hợp (rebuild_stats)…\n")
        out.flush()
        began = time.perf_counter()
        _run([sys.executable, "manage.py", "rebuild_stats"], env)
        info["rebuild_seconds"] = round(time.perf_counter() - began, 1)
    return url, info


# ----- the measurement (in this process, on that database) ----------------------------------------------------

def _timed(fn, runs: int) -> tuple[list[float], object]:
    result = fn()  # warm-up: connections, calendars, templates, the database's cache
    fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def _stats(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
            "min_ms": round(ordered[0], 1)}


def measure(runs: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from dashboard import selectors
    from dashboard.periods import Period
    from dossiers.models import Dossier

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    leaders = User.objects.filter(username__startswith="bench.", groups__name=Role.LEADER, is_active=True)
    province_leader = leaders.filter(agency__parent__isnull=True).first()
    busiest = (Dossier.objects.filter(receiving_agency__kind="commune").values("receiving_agency_id")
               .order_by().annotate(n=Count("id")).order_by("-n").first())
    commune_leader = leaders.filter(agency_id=busiest["receiving_agency_id"]).first() if busiest else None
    if province_leader is None:
        raise SystemExit("Không tìm thấy lãnh đạo tỉnh của dữ liệu thử (bench generate).")
    today = timezone.localdate()
    year = {"period": "year", "year": str(today.year)}
    month = {"period": "month", "year": str(today.year), "month": str(today.month)}

    def page(user, params):
        client = Client()
        client.force_login(user)

        def get():
            response = client.get("/thong-ke/", params)
            assert response.status_code == 200, response.status_code
            return response

        return get

    report = {"dossiers": Dossier.objects.count()}
    times, _ = _timed(page(province_leader, year), runs)
    report["page_province_year"] = _stats(times)
    times, _ = _timed(page(province_leader, month), runs)
    report["page_province_month"] = _stats(times)
    if commune_leader is not None:
        times, _ = _timed(page(commune_leader, year), runs)
        report["page_commune_year"] = _stats(times)

    scope = selectors.Scope.of(province_leader)
    period = Period.year(today.year)
    now = timezone.now()
    times, kept = _timed(lambda: selectors.dashboard_numbers(scope, period, now=now), runs)
    report["summary_numbers"] = _stats(times)
    direct_runs = max(5, runs // 3)
    times, direct = _timed(lambda: selectors.direct_numbers(scope, period, now=now, with_durations=False),
                           direct_runs)
    report["direct_sql"] = _stats(times)
    report["ratio_page_to_direct"] = round(report["page_province_year"]["median_ms"]
                                           / report["direct_sql"]["median_ms"], 3)
    report["ratio_summary_to_direct"] = round(report["summary_numbers"]["median_ms"]
                                              / report["direct_sql"]["median_ms"], 3)
    differences = {name: (kept.counts[name], direct.counts[name]) for name in kept.counts
                   if name not in TIME_SUMS and kept.counts[name] != direct.counts[name]}
    report["summary_equals_direct"] = not differences and kept.pending == direct.pending
    report["differences"] = differences
    report["received_this_year"] = kept.counts["received"]
    report["finished_this_year"] = kept.counts["finished"]

    client = Client()
    client.force_login(province_leader)
    exports = (("xlsx", "/thong-ke/xuat/excel/"), ("csv", "/thong-ke/xuat/csv/"), ("pdf", "/thong-ke/bao-cao/"))
    for kind, path in exports:
        client.get(path, year)  # warm-up (fonts for the PDF)
        began = time.perf_counter()
        response = client.get(path, year)
        report[f"export_{kind}_ms"] = round((time.perf_counter() - began) * 1000, 1)
        report[f"export_{kind}_bytes"] = len(response.content)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=int(os.environ.get("BENCH_DOSSIERS", 1_000_000)))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true", help="sinh lại dữ liệu dù đã có")
    parser.add_argument("--rebuild", action="store_true", help="dựng lại (và đo) bảng tổng hợp dù đã có")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.runs), default=str))
        return 0
    out = sys.stdout
    url, info = prepare(args.dossiers, _database_url(), regenerate=args.regenerate, rebuild=args.rebuild, out=out)
    # Plain static storage: the measurement must not depend on a collectstatic manifest being present.
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "DEBUG": "0",
           "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    completed = subprocess.run([sys.executable, "-m", "bench.dashboard", "--measure", "--runs", str(args.runs)],
                               cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE)
    r = {**info, **json.loads(completed.stdout.strip().splitlines()[-1])}
    page = r["page_province_year"]
    ok = page["median_ms"] < GOAL_MS and r["summary_equals_direct"]
    rebuilt = "" if r["rebuild_seconds"] is None else f"; dựng bảng tổng hợp {r['rebuild_seconds']} s"
    out.write(
        f"\n{r['dossiers']:,} hồ sơ — CSDL {r['database']}{rebuilt}\n"
        f"  trang thống kê, cả tỉnh, năm nay : trung vị {page['median_ms']} ms, p90 {page['p90_ms']} ms "
        f"(mục tiêu < {GOAL_MS:.0f} ms)\n"
        f"  trang thống kê, cả tỉnh, tháng này: trung vị {r['page_province_month']['median_ms']} ms\n"
        + (f"  trang thống kê, một xã, năm nay  : trung vị {r['page_commune_year']['median_ms']} ms\n"
           if "page_commune_year" in r else "")
        + f"  số liệu từ bảng tổng hợp        : trung vị {r['summary_numbers']['median_ms']} ms\n"
        f"  đếm trực tiếp bằng SQL           : trung vị {r['direct_sql']['median_ms']} ms\n"
        f"  tỉ lệ trang ÷ đếm trực tiếp      : {r['ratio_page_to_direct']}×; "
        f"bảng tổng hợp ÷ đếm trực tiếp: {r['ratio_summary_to_direct']}×\n"
        f"  tổng hợp = đếm trực tiếp         : {'có' if r['summary_equals_direct'] else r['differences']}\n"
        f"  xuất Excel {r['export_xlsx_ms']} ms, CSV {r['export_csv_ms']} ms, PDF {r['export_pdf_ms']} ms\n"
        f"  → {'ĐẠT' if ok else 'KHÔNG ĐẠT'}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
