"""Payments and callbacks are evidence: the admin lists them but nobody edits or deletes them there."""

from django.urls import reverse

from dossiers.models import Payment, PaymentCallback
from tests.factories import UserFactory

from .conftest import FEE


def test_the_admin_shows_payments_with_their_callbacks_read_only(client, online):
    dossier = online.dossier()
    payment = Payment.objects.create(dossier=dossier, payer=online.owner, amount_vnd=FEE, provider="sandbox",
                                     txn_ref="ADMIN1")
    PaymentCallback.objects.create(payment=payment, kind="ipn", params={"vnp_TxnRef": "ADMIN1"},
                                   signature_valid=False, outcome="invalid_signature")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:dossiers_payment_change", args=[payment.pk]))
    assert page.status_code == 200 and "invalid_signature" in page.content.decode()
    assert client.get(reverse("admin:dossiers_payment_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_paymentcallback_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_storeddocument_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_payment_add")).status_code == 403
    assert client.post(reverse("admin:dossiers_payment_delete", args=[payment.pk]), {"post": "yes"}).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()
