"""Load benchmark: public tracking under load, and the staff inbox API, over a 1 000 000-dossier database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_dashboard .venv/bin/python -m bench load \
        [--database mc_dashboard_dashboard_1000000] [--seconds 10] [--rounds 2]

The database defaults to the one ``python -m bench dashboard`` fills (it runs before this in ``all``).

Starts gunicorn on loopback (2 workers, persistent database connections, Redis cache for the rate limiter,
DJANGO_SETTINGS_MODULE=bench.settings, which adds one comparison view to the product's URLs), then:

1. **tracking** — ``wrk`` (Debian's ``wrk``; bench/load.lua) drives ``GET /api/v1/tracking/<code>/?phone=<last 4>``
   (A) and the minimal view ``/bench/tracking/<code>/`` doing the same indexed lookup with ``.values()`` (B)
   with ~1 000 codes sampled from the database; a warm-up of each (every code once, then 3 s of load), then
   A, B, A, B. Goals: A ≥ 0.8 × B
   requests/s, A's p99 ≤ 30 ms. The API serves a dossier's public card from the cache once looked up
   (dossiers/tracking.py), so one more round of each runs over ~20 000 codes nobody has looked up (two
   disjoint halves: neither side finds rows the other warmed): the cost of first lookups, reported, not a goal;
2. **inbox** — ``GET /api/v1/inbox/`` as a specialist and as the leader of the busiest commune (and a
   specialist of the busiest agency overall), sequential requests over one keep-alive connection: p95
   (goal ≤ 60 ms).

The database is only read, apart from one session row per bench user (deleted at the end). The report is
printed and written to bench/results/load.txt. Exit code 1 when a goal is missed. PostgreSQL and Redis only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load.txt"
GOAL_RATIO, GOAL_P99_MS, GOAL_INBOX_P95_MS = 0.8, 30.0, 60.0
TRACKING_API, MINIMAL_VIEW = "/api/v1/tracking/", "/bench/tracking/"
OPEN = ("received", "processing", "financial", "supplement", "result_ready")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample_paths(conn, n: int, percent: int = 1) -> list[str]:
    rows = conn.execute(
        f"SELECT code, right(applicant_phone, 4) FROM dossiers_dossier TABLESAMPLE SYSTEM ({int(percent)})"
        " WHERE status <> 'draft' AND code IS NOT NULL AND length(applicant_phone) >= 4 LIMIT %s", [n]).fetchall()
    return [f"{code}/?phone={last4}" for code, last4 in rows]


def _paths_file(paths: list[str]):
    file = tempfile.NamedTemporaryFile("w", suffix=".txt")  # noqa: SIM115 (closed by the caller's with)
    file.write("\n".join(paths) + "\n")
    file.flush()
    return file


def _bench_users(conn) -> list[tuple[str, str]]:
    """(label, username): specialist and leader of the busiest commune, specialist of the busiest agency."""
    def busiest(kind_filter: str) -> int:
        return conn.execute(
            "SELECT d.current_agency_id FROM dossiers_dossier d JOIN accounts_agency a ON a.id = d.current_agency_id"
            f" WHERE d.status = ANY(%s) {kind_filter} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", [list(OPEN)]
        ).fetchone()[0]

    def user(agency: int, role: str) -> str:
        return conn.execute(
            "SELECT u.username FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id"
            " JOIN auth_group g ON g.id = ug.group_id WHERE u.agency_id = %s AND g.name = %s AND u.is_active"
            " ORDER BY u.id LIMIT 1", [agency, role]).fetchone()[0]

    commune, agency = busiest("AND a.kind = 'commune'"), busiest("")
    return [("chuyên viên, xã đông nhất", user(commune, "specialist")),
            ("lãnh đạo, xã đông nhất", user(commune, "leader")),
            ("chuyên viên, cơ quan đông nhất", user(agency, "specialist"))]


def _sessions(usernames: list[str]) -> dict[str, str]:
    """A logged-in session per user, made the way django.contrib.auth.login makes one (no password hashing
    per request, as BasicAuthentication would cost)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    keys = {}
    for user in get_user_model().objects.filter(username__in=usernames):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.username] = session.session_key
    return keys


def _drop_sessions(keys: dict[str, str]) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=keys.values()).delete()


def _gunicorn(port: int, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DEBUG": "False",
           "DJANGO_SETTINGS_MODULE": "bench.settings", "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "600"),
           "SECURE_SSL_REDIRECT": "False", "ALLOWED_HOSTS": "127.0.0.1", "TRACKING_RATE": "1000000/s",
           "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
                             "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                            cwd=ROOT, env=env)
    # Ready when a worker answers (the master listens before its workers have loaded the project).
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{MINIMAL_VIEW}-/?phone=0")
            conn.getresponse().read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("gunicorn không khởi động được") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn không trả lời sau 30 giây")


def _wrk(port: int, paths_file: str, prefix: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(ROOT / "bench" / "load.lua"),
         f"http://127.0.0.1:{port}", "--", paths_file, prefix], capture_output=True, text=True, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "requests": r["requests"], "bad": r["non2xx"] + r["errors"]}


def _visit_all(port: int, prefix: str, paths: list[str]) -> None:
    for path in paths:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # sync workers close each connection
        conn.request("GET", prefix + path)
        conn.getresponse().read()
        conn.close()


def _inbox(port: int, session_key: str, runs: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": f"sessionid={session_key}", "Accept": "application/json"}
    times, count = [], None
    for i in range(runs + 5):  # the first 5: warm-up
        began = time.perf_counter()
        conn.request("GET", "/api/v1/inbox/", headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"inbox: HTTP {response.status}: {body[:200]!r}")
        if i >= 5:
            times.append((time.perf_counter() - began) * 1000)
    count = json.loads(body)["count"]
    conn.close()
    ordered = sorted(times)
    return {"count": count, "median_ms": statistics.median(ordered),
            "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="cơ sở dữ liệu đã sinh sẵn (mặc định: của bench dashboard, "
                        "<tên trong DATABASE_URL>_dashboard_<BENCH_DOSSIERS>)")
    parser.add_argument("--seconds", type=int, default=10, help="thời lượng mỗi lượt wrk")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="số lượt A, B xen kẽ")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--inbox-runs", type=int, default=200)
    parser.add_argument("--cold-codes", type=int, default=20000,
                        help="số mã cho lượt “lạnh” (mã chưa ai tra cứu: chưa có trong bộ nhớ đệm)")
    args = parser.parse_args(argv)

    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench load cần PostgreSQL: đặt DATABASE_URL=postgres://…")
    args.database = args.database or (f"{urlsplit(base).path.lstrip('/') or 'motcua'}_dashboard_"
                                      f"{os.environ.get('BENCH_DOSSIERS', '1000000')}")
    database_url = urlunsplit(urlsplit(base)._replace(path=f"/{args.database}"))
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings")

    try:
        conn = psycopg.connect(database_url)
    except psycopg.OperationalError as error:
        raise SystemExit(f"Không mở được {args.database} (chạy python -m bench dashboard trước): {error}") from None
    with conn:
        total = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
        paths = _sample_paths(conn, 1000)
        # Codes nobody has looked up: two disjoint halves, so that neither side finds rows the other warmed.
        warm = set(paths)
        cold = [p for p in _sample_paths(conn, 2 * args.cold_codes, percent=10) if p not in warm]
        cold_paths = {TRACKING_API: cold[0::2], MINIMAL_VIEW: cold[1::2]}
        users = _bench_users(conn)
    sessions = _sessions([username for _label, username in users])
    port = _free_port()
    server = _gunicorn(port, database_url, redis_url)
    runs: dict[str, list[dict]] = {TRACKING_API: [], MINIMAL_VIEW: []}
    cold_runs: dict[str, dict] = {}
    try:
        with _paths_file(paths) as paths_file:
            for prefix in runs:  # warm-up: every code once (cards, calendars, PostgreSQL's buffers), then load
                _visit_all(port, prefix, paths)
                _wrk(port, paths_file.name, prefix, args.warmup, args.connections)
            for _ in range(args.rounds):
                for prefix in runs:
                    runs[prefix].append(_wrk(port, paths_file.name, prefix, args.seconds, args.connections))
        for prefix in runs:
            with _paths_file(cold_paths[prefix]) as paths_file:
                cold_runs[prefix] = _wrk(port, paths_file.name, prefix, args.seconds, args.connections)
        inbox = [(label, username, _inbox(port, sessions[username], args.inbox_runs)) for label, username in users]
    finally:
        server.terminate()
        server.wait(10)
        _drop_sessions(sessions)

    def total_rps(prefix: str) -> float:
        return statistics.mean(r["rps"] for r in runs[prefix])

    api, minimal = total_rps(TRACKING_API), total_rps(MINIMAL_VIEW)
    ratio, api_p99 = api / minimal, max(r["p99_ms"] for r in runs[TRACKING_API])
    bad = sum(r["bad"] for rs in runs.values() for r in rs)
    lines = [f"Tải tra cứu và hộp việc — {args.database}: {total:,} hồ sơ; gunicorn 2 worker, wrk -t2 "
             f"-c{args.connections}, {args.rounds} × {args.seconds} s mỗi bên (xen kẽ), {len(paths)} mã",
             "", f"{'lượt':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'lỗi/≠2xx':>10}"]
    for i in range(args.rounds):
        for prefix, name in ((TRACKING_API, "A  API tra cứu"), (MINIMAL_VIEW, "B  view tối giản .values()")):
            r = runs[prefix][i]
            lines.append(f"{name + f' #{i + 1}':<36}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                         f"{r['bad']:>10}")
    checks = [("A ÷ B", f"{ratio:.2f}×", f"≥ {GOAL_RATIO}×", ratio >= GOAL_RATIO),
              ("p99 API tra cứu (lượt xấu nhất)", f"{api_p99:.1f} ms", f"≤ {GOAL_P99_MS:.0f} ms",
               api_p99 <= GOAL_P99_MS),
              ("phản hồi lỗi hoặc ≠ 2xx", str(bad), "0", bad == 0)]
    cold_names = ((TRACKING_API, "A  API tra cứu, mã chưa tra"), (MINIMAL_VIEW, "B  view tối giản, mã chưa tra"))
    for prefix, name in cold_names:
        r = cold_runs[prefix]
        lines.append(f"{name:<36}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['bad']:>10}")
    cold_ratio = cold_runs[TRACKING_API]["rps"] / cold_runs[MINIMAL_VIEW]["rps"]
    lines.append(f"(lượt “mã chưa tra”: {len(cold_paths[TRACKING_API]):,} mã mỗi bên, hầu hết chưa có trong bộ nhớ "
                 f"đệm: A ÷ B = {cold_ratio:.2f}× — để tham khảo, không phải mục tiêu)")
    checks.append(("phản hồi lỗi hoặc ≠ 2xx, lượt mã chưa tra", str(sum(r["bad"] for r in cold_runs.values())), "0",
                   all(r["bad"] == 0 for r in cold_runs.values())))
    lines += ["", f"{f'GET /api/v1/inbox/ ({args.inbox_runs} lượt tuần tự)':<66}"
                  f"{'hồ sơ':>7}{'trung vị':>10}{'p95 ms':>9}"]
    for label, username, r in inbox:
        who = f"{label} ({username})"
        lines.append(f"{who:<66}{r['count']:>7}{r['median_ms']:>10.1f}{r['p95_ms']:>9.1f}")
        checks.append((f"p95 hộp việc: {label}", f"{r['p95_ms']:.1f} ms", f"≤ {GOAL_INBOX_P95_MS:.0f} ms",
                       r["p95_ms"] <= GOAL_INBOX_P95_MS))
    lines += ["", f"A = {api:.0f} req/s, B = {minimal:.0f} req/s (trung bình các lượt)"]
    lines += [f"{'ĐẠT ' if ok else 'TRƯỢT'} {name}: {value} (mục tiêu {goal})" for name, value, goal, ok in checks]
    report = "\n".join(lines) + "\n"
    print(report, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return 0 if all(ok for *_x, ok in checks) else 1
