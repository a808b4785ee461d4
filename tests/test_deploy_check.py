"""`manage.py check --deploy` is clean with production settings: what a deployer's .env gives."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def check_deploy(**env_overrides) -> subprocess.CompletedProcess:
    # Only what a server's environment would hold: the test process carries test-only variables
    # (DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests, DEBUG or relaxed cookies from a developer's shell).
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "DATABASE_URL", "REDIS_URL")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def production_env():
    # DATABASE_URL / REDIS_URL stay as the test run has them (PostgreSQL and Redis in CI).
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "dichvucong.thanhhoa.gov.vn",
        "CSRF_TRUSTED_ORIGINS": "https://dichvucong.thanhhoa.gov.vn",
        "SITE_URL": "https://dichvucong.thanhhoa.gov.vn",
        "PAYMENT_PROVIDER": "vnpay",
        "VNPAY_TMN_CODE": "THANHHOA1",
        "VNPAY_HASH_SECRET": secrets.token_hex(16),
    }


def test_production_settings_pass_the_deploy_check(production_env):
    result = check_deploy(**production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"DEBUG": "1"}, "security.W018"),  # DEBUG on
        ({"SECRET_KEY": "django-insecure-motcua-embedded-default-do-not-deploy"}, "security.W009"),
        ({"PAYMENT_PROVIDER": "sandbox"}, "motcua.W001"),  # fees through the sandbox gateway
        ({"VNPAY_HASH_SECRET": ""}, "motcua.W002"),
    ],
)
def test_the_check_catches_an_unsafe_setting(production_env, overrides, warning):
    """The clean result above means something: each unsafe knob is flagged."""
    result = check_deploy(**{**production_env, **overrides})
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
