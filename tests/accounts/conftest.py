import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login-failure counters live in the cache (Redis in CI): every test starts from zero."""
    cache.clear()
    yield
    cache.clear()
