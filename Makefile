# Một Cửa — the two commands: `make run` and `make test`.
SHELL := /bin/bash
# uv when it works on this machine (a stale pyenv shim does not count), else bootstrapped into .venv-tools/.
UV ?= $(shell uv --version >/dev/null 2>&1 && command -v uv || echo .venv-tools/bin/uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: run test lint bench venv sysdeps migrate demo messages clean

$(UV):
	python3 -m venv .venv-tools && .venv-tools/bin/pip install -q --disable-pip-version-check uv

# An optimised CPython where the machine has one: Debian's python3.11 is built with PGO and LTO, pyenv's
# default build is not and runs the project ~15% slower (a receipt PDF: 52 ms against 62). The Docker image's
# python:3.11-slim is optimised too. Elsewhere uv finds a Python 3.11 itself.
PYTHON ?= $(or $(wildcard /usr/bin/python3.11),3.11)

venv: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# WeasyPrint is 5–10× slower without HarfBuzz's subsetter; gettext compiles the translations.
sysdeps:
	@if ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 gettext >/dev/null; \
	  else echo "!! Cài libharfbuzz-subset0 để in PDF nhanh: sudo apt-get install libharfbuzz-subset0 gettext"; fi; fi

messages: venv
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=.venv-tools --ignore=var; \
	else echo "!! gettext chưa cài: giao diện tiếng Anh sẽ dùng tiếng Việt (sudo apt-get install gettext)"; fi

migrate: venv
	DEBUG=1 $(PY) manage.py migrate --noinput -v0

demo: migrate
	DEBUG=1 $(PY) manage.py seed_demo

run: sysdeps venv messages demo
	@mkdir -p var/log
	@DEBUG=1 $(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "  Một Cửa đang chạy tại: http://$(HOST):$(PORT)/"
	@echo "  Tài khoản demo (mật khẩu: motcua2026):"
	@echo "    công dân      0912345678        (hoặc congdan@example.vn)"
	@echo "    cán bộ một cửa   motcua.tiepnhan"
	@echo "    chuyên viên      motcua.chuyenvien"
	@echo "    lãnh đạo         motcua.lanhdao"
	@echo "    quản trị         admin           (http://$(HOST):$(PORT)/admin/)"
	@echo ""
	@# Stop only our two background jobs (each shuts down its own children); a threads pool stops
	@# promptly on the filesystem broker, where a prefork pool could hang in its warm shutdown.
	@trap 'trap - INT TERM EXIT; kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	DEBUG=1 $(PY) -m celery -A config worker -l info --pool=threads --concurrency=4 > var/log/worker.log 2>&1 & \
	DEBUG=1 $(PY) -m celery -A config beat -l info > var/log/beat.log 2>&1 & \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: venv messages
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check . || true

bench: venv
	$(PY) -m bench all

# Forget the embedded set-up's state (SQLite database, broker, cache, uploads, logs) under var/.
clean:
	rm -rf var
