import pytest
from django.db import connection

from procedures.services import load_seed_catalog

# The search has a PostgreSQL branch (pg_trgm) and a portable branch (the SQLite one). On PostgreSQL
# both run against the same rows; on SQLite (`make test` without DATABASE_URL) the portable one does.
SEARCH_VENDORS = ["sqlite", "postgresql"] if connection.vendor == "postgresql" else ["sqlite"]


@pytest.fixture
def seeded(db):
    """The bundled catalog: 59 real procedures."""
    load_seed_catalog()


@pytest.fixture(params=SEARCH_VENDORS)
def vendor(request):
    return request.param
