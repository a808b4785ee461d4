"""The admin shows dossiers and their trail but never edits them: status changes go through the workflow only."""

import pytest
from django.urls import reverse

from tests.factories import DossierFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_dossier_admin_lists_and_shows_but_cannot_change(superuser_client):
    dossier = DossierFactory(received=True)
    assert superuser_client.get(reverse("admin:dossiers_dossier_changelist")).status_code == 200
    page = superuser_client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
    assert page.status_code == 200 and dossier.code in page.content.decode()
    change_url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    response = superuser_client.post(change_url, {"status": "returned"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == "received"


@pytest.mark.parametrize("model", ["issueddocument", "alert", "notification"])
def test_trail_admins_open(superuser_client, model):
    assert superuser_client.get(reverse(f"admin:dossiers_{model}_changelist")).status_code == 200
