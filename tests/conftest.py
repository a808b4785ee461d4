import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False  # the test client and live server speak plain HTTP
    # PBKDF2 at production strength costs ~0.3 s per user created or login checked; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rolled-back rows send no signal: start and end every test with an empty cache (tracking cards of
    dossiers that no longer exist, rate-limit counters) and a clean calendar cache."""
    from django.core.cache import cache

    from dossiers.deadlines import clear_calendar_cache

    cache.clear()
    clear_calendar_cache()
    yield
    cache.clear()
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    """A test that switches to English (or a request that did) must not leak its language into the next test."""
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.activate("vi")
