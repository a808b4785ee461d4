"""Ratings tests use the dashboard tests' small province and its way of living a dossier's life."""

import pytest

from tests.dashboard import conftest as dashboard_conftest
from tests.dashboard.conftest import Life, Province, at

province = dashboard_conftest.province  # the fixtures, shared
life = dashboard_conftest.life


@pytest.fixture
def returned(province: Province, life: Life):
    """A dossier of commune A received on 02/03/2026, finished on the 5th, returned on the 6th."""
    dossier = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    life.finish(dossier, province.a, at(2026, 3, 5, 9, 0))
    return life.do("return_result", dossier, province.a, at(2026, 3, 6, 9, 0))
