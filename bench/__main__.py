"""Benchmarks and their data: ``python -m bench <command> [options]``; ``python -m bench --list``.

Each command is a module with ``main(argv: list[str] | None) -> int``. To add one, add a line to COMMANDS
(name → module, help, whether ``all`` runs it and with which arguments). ``python -m bench all`` (what
``make bench`` runs) makes sure the data exists, then runs every benchmark marked for it, in order.
"""

import importlib
import os
import sys

# name: (module, one-line help, arguments for `all` — None: not part of `all`)
COMMANDS: dict[str, tuple[str, str, list[str] | None]] = {
    "generate": ("bench.generate", "sinh dữ liệu thực tế: cơ quan, thủ tục, N hồ sơ trong 3 năm (COPY)",
                 ["--dossiers", os.environ.get("BENCH_DOSSIERS", "1000000"), "--if-fewer"]),
    "receipt": ("bench.receipt", "thời gian in giấy tiếp nhận (mẫu 01) và bộ nhớ", []),
    "sweep": ("bench.sweep", "quét hạn xử lý trên 100 000 và 1 000 000 hồ sơ: thời gian, bộ nhớ, quét lại",
              ["--sizes", "100000,1000000"]),
    "dashboard": ("bench.dashboard", "trang thống kê trên 1 000 000 hồ sơ: trung vị, so với đếm trực tiếp, xuất",
                  ["--dossiers", os.environ.get("BENCH_DOSSIERS", "1000000")]),
    "load": ("bench.load", "tra cứu công khai dưới tải (gunicorn + wrk) so với view tối giản; hộp việc: p95",
             []),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["Cách dùng: python -m bench <lệnh> [tùy chọn]   (python -m bench <lệnh> --help)", "", "Lệnh:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_m, help_, _a) in COMMANDS.items()]
    lines += [f"  {'all':<{width}}  sinh dữ liệu nếu chưa đủ rồi chạy mọi phép đo"]
    return "\n".join(lines)


def run(name: str, argv: list[str]) -> int:
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(argv) or 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "--list", "help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name == "all":
        failed = 0
        for command, (_module, _help, args) in COMMANDS.items():
            if args is not None:
                print(f"\n== {command} ==", flush=True)
                failed += bool(run(command, args + rest))
        return 1 if failed else 0
    if name not in COMMANDS:
        print(f"Không có lệnh “{name}”.\n\n{usage()}", file=sys.stderr)
        return 2
    return run(name, rest)


if __name__ == "__main__":
    sys.exit(main())
