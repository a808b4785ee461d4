"""The journey adapts to the catalog: the payment step only for a fully online procedure with a fee; payment
status on the confirmation page, the dossier page and public tracking."""

import pytest
from django.urls import reverse

from dossiers.payments import services as payments
from procedures.models import OnlineLevel

from .helpers import gateway_result


def done_page(client, dossier):
    return client.get(reverse("dossiers:submit-done", args=[dossier.pk])).content.decode()


def test_a_fully_online_procedure_with_a_fee_asks_for_payment_on_the_confirmation_page(client, online):
    dossier = online.dossier()
    client.force_login(online.owner)
    page = done_page(client, dossier)
    assert "Chưa thanh toán" in page and reverse("online:payment", args=[dossier.pk]) in page
    assert payments.pays_online(dossier)


@pytest.mark.parametrize("level, fee", [(OnlineLevel.PARTIAL, 100_000), (OnlineLevel.FULL, 0)])
def test_no_online_payment_for_a_partly_online_procedure_or_without_a_fee(client, online, level, fee):
    online.procedure.online_level, online.procedure.fee_vnd = level, fee
    online.procedure.save()
    dossier = online.dossier()
    client.force_login(online.owner)
    page = done_page(client, dossier)
    assert reverse("online:payment", args=[dossier.pk]) not in page
    assert not payments.pays_online(dossier)


def test_paid_status_on_the_dossier_and_tracking_pages(client, online):
    dossier = online.dossier()
    client.force_login(online.owner)
    client.post(reverse("online:payment", args=[dossier.pk]))
    payment = dossier.payments.get()
    client.get(reverse("online:payment-ipn"), gateway_result(payment))
    page = client.get(reverse("dossiers:my-dossier", args=[dossier.pk])).content.decode()
    assert "Đã thanh toán trực tuyến" in page and "Tải biên lai điện tử" in page
    assert "Đã thanh toán trực tuyến" in done_page(client, dossier)
    client.logout()
    page = client.get(reverse("dossiers:tracking-token", args=[dossier.tracking_token])).content.decode()
    assert "Đã thanh toán trực tuyến" in page and payment.txn_ref not in page


def test_only_a_fully_online_procedure_offers_the_result_online(client, online):
    dossier = online.dossier(submitted=False)
    client.force_login(online.owner)
    assert "Nhận trực tuyến" in client.get(reverse("dossiers:submit-details", args=[dossier.pk])).content.decode()
    online.procedure.online_level = OnlineLevel.PARTIAL
    online.procedure.save()
    assert "Nhận trực tuyến" not in client.get(reverse("dossiers:submit-details", args=[dossier.pk])).content.decode()
