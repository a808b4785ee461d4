# Một Cửa — production image: gunicorn (web), or celery worker / beat with another command.
# Build: docker build -t motcua .   Run with docker-compose.yml (see README "Deploying with Docker Compose").
FROM python:3.11-slim-bookworm

# WeasyPrint (PDF receipts and notices) needs Pango; libharfbuzz-subset0 makes its font subsetting fast;
# gettext compiles the English catalogue. Fonts are vendored in static/fonts, so no font packages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext \
 && rm -rf /var/lib/apt/lists/*

COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /uvx /usr/local/bin/

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Static files and translations are built into the image; the placeholders only let settings load.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py compilemessages -v0 --ignore=.venv \
 && SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput -v0 \
 && rm -f /tmp/build.sqlite3

# Never run as root. var/ holds media (a volume), the beat schedule and, without Redis, the cache.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin motcua \
 && mkdir -p /app/var/media \
 && chown -R motcua:motcua /app/var
USER motcua

EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it; default 1 here, compose sets it). Logs go to stdout.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
