"""One settings module, driven by the environment (django-environ).

Nothing set → SQLite and a filesystem Celery broker under ``var/`` (``make run`` needs no server).
``DATABASE_URL`` / ``REDIS_URL`` set → PostgreSQL / Redis, as in CI and production.
"""

import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The default is only for the embedded set-up; `check --deploy` flags it, production sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-motcua-embedded-default-do-not-deploy")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "accounts",
    "procedures",
    "dossiers",
    "reception",
    "ratings",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.portal",
                "dossiers.context_processors.alerts",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if not IS_POSTGRES:
    # Covering indexes (INCLUDE) speed up PostgreSQL; the embedded SQLite builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PhoneOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# National single sign-on (VNeID through OpenID Connect): the seam is accounts/identity.py.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_CLAIM_CCCD = env("OIDC_CLAIM_CCCD", default="cccd")
# The relying party (accounts/oidc.py, Authlib): OIDC_ISSUER is the provider's issuer URL; its
# /.well-known/openid-configuration gives the endpoints and keys (id_token signatures are verified).
# Claims mapping: which claim of the provider carries each of our fields (VNeID-style names differ).
OIDC_SCOPES = env("OIDC_SCOPES", default="openid profile email phone")
OIDC_CLAIM_NAME = env("OIDC_CLAIM_NAME", default="name")
OIDC_CLAIM_EMAIL = env("OIDC_CLAIM_EMAIL", default="email")
OIDC_CLAIM_PHONE = env("OIDC_CLAIM_PHONE", default="phone_number")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
# Test-only: django-oauth-toolkit (a dev dependency) plays the national identity provider inside the test
# suite (tests/online/test_oidc_login.py). Its tables must exist when the test database is created, hence
# an installed app decided here; never set in production (the package is not even installed there).
OIDC_TEST_PROVIDER = env.bool("OIDC_TEST_PROVIDER", default="pytest" in sys.modules)
if OIDC_TEST_PROVIDER:
    INSTALLED_APPS.append("oauth2_provider")

# Online payment of fees (dossiers/payments/): one protocol, VNPay's signed redirect + IPN callback.
# PAYMENT_PROVIDER "sandbox": a page of this app plays the gateway with the same protocol (embedded default,
# tests); "vnpay": the real gateway — set VNPAY_TMN_CODE, VNPAY_HASH_SECRET and VNPAY_PAYMENT_URL, and
# register <SITE_URL>/thanh-toan/vnpay/ipn/ as the IPN URL in the merchant portal.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="sandbox")
VNPAY_TMN_CODE = env("VNPAY_TMN_CODE", default="")
VNPAY_HASH_SECRET = env("VNPAY_HASH_SECRET", default="")
VNPAY_PAYMENT_URL = env("VNPAY_PAYMENT_URL", default="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
PAYMENT_EXPIRE_MINUTES = env.int("PAYMENT_EXPIRE_MINUTES", default=15)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing (before collectstatic)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: validated by size and sniffed type in dossiers/uploads.py.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Cache (rate limits need a shared cache in production).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # django-redis keeps one client per connection pool (Django's own backend builds one per call, which
    # doubled the cost of a cache read on the public tracking page); hiredis parses the replies.
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
RATELIMIT_USE_CACHE = "default"
# Failed sign-ins allowed per login and per client IP before a pause (accounts/throttle.py).
LOGIN_FAILURE_RATE = env("LOGIN_FAILURE_RATE", default="5/15m")
LOGIN_FAILURE_RATE_PER_IP = env("LOGIN_FAILURE_RATE_PER_IP", default="50/15m")
# Behind a reverse proxy REMOTE_ADDR is the proxy: name the header it sets (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)
TRACKING_RATE = env("TRACKING_RATE", default="20/m")
# How long a public tracking card may be served from the cache. Every save of a dossier drops its card at
# once; this only bounds what no save announces (a renamed agency or procedure). 0: no caching.
TRACKING_CACHE_SECONDS = env.int("TRACKING_CACHE_SECONDS", default=300)

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker under var/.
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast (worker control) messages, not the cwd
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "dossiers.tasks.sweep_deadlines",
        "schedule": env.int("DEADLINE_SWEEP_SECONDS", default=300),
    },
    "alert-digest": {"task": "dossiers.tasks.send_alert_digests", "schedule": crontab(minute=0, hour=7)},
    "feedback-sweep": {
        "task": "ratings.tasks.sweep_feedback_deadlines",
        "schedule": env.int("FEEDBACK_SWEEP_SECONDS", default=900),
    },
    # Safety net for edits that bypass the workflow: recount the last 3 days of the dashboard summary.
    "dashboard-recount": {"task": "dashboard.tasks.rebuild_stats", "schedule": crontab(minute=30, hour=1)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Một Cửa <no-reply@motcua.local>")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Một Cửa API",
    "DESCRIPTION": "API của cổng dịch vụ công một cửa",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set that several serializers share.
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "dossiers.models.Status",
        "DossierChannelEnum": "dossiers.models.Channel",
        "IdentityDocTypeEnum": "accounts.models.IdentityDocType",
        "ExtensionKindEnum": "dossiers.models.ExtensionKind",
        "ProcedureLevelEnum": "procedures.models.Level",
        "OnlineLevelEnum": "procedures.models.OnlineLevel",
        "TimeUnitEnum": "procedures.models.TimeUnit",
        "AgencyKindEnum": "accounts.models.AgencyKind",
        "FeedbackKindEnum": "ratings.models.FeedbackKind",
        "FeedbackStatusEnum": "ratings.models.FeedbackStatus",
        "RatingLevelEnum": "ratings.models.RatingLevel",
    },
}

# Security: production defaults; DEBUG relaxes only what local HTTP needs.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "WARNING"}},
}

# Domain knobs (DOMAIN.md Part A; made configurable where Part B is unsure).
SAME_DAY_CUTOFF = env("SAME_DAY_CUTOFF", default="15:00")
ONLINE_CONFIRM_WORKING_HOURS = env.int("ONLINE_CONFIRM_WORKING_HOURS", default=8)
NEAR_DUE_WORKING_HOURS = env.float("NEAR_DUE_WORKING_HOURS", default=8.0)
ISSUING_SYSTEM = env("ISSUING_SYSTEM", default="Cổng Dịch vụ công Một Cửa")
DEADLINE_SWEEP_CHUNK = env.int("DEADLINE_SWEEP_CHUNK", default=2000)  # dossiers per keyset page of the sweep

# Citizen notifications (dossiers/notifications/): an outbox sent by Celery with retries and backoff.
# NOTIFY_SMS / NOTIFY_ZALO: "off", "console" (to the log), "http" (JSON POST to NOTIFY_<CH>_URL with the
# bearer NOTIFY_<CH>_TOKEN) or the dotted path of your own channel class.
NOTIFY_EMAIL = env.bool("NOTIFY_EMAIL", default=True)
NOTIFY_SMS = env("NOTIFY_SMS", default="console")
NOTIFY_SMS_URL = env("NOTIFY_SMS_URL", default="")
NOTIFY_SMS_TOKEN = env("NOTIFY_SMS_TOKEN", default="")
NOTIFY_ZALO = env("NOTIFY_ZALO", default="off")
NOTIFY_ZALO_URL = env("NOTIFY_ZALO_URL", default="")
NOTIFY_ZALO_TOKEN = env("NOTIFY_ZALO_TOKEN", default="")
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", default=10.0)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=8)
NOTIFY_RETRY_BACKOFF = env.int("NOTIFY_RETRY_BACKOFF", default=30)  # seconds; doubles each retry
NOTIFY_RETRY_BACKOFF_MAX = env.int("NOTIFY_RETRY_BACKOFF_MAX", default=600)
NOTIFY_STALE_MINUTES = env.int("NOTIFY_STALE_MINUTES", default=120)  # re-enqueue rows pending this long
