"""Online payment through the VNPay protocol: signing, the IPN and the return, in every order and every way
they go wrong (tampered, duplicated, concurrent, wrong amount, unknown order)."""

import hashlib
import hmac
import io
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers.models import FormKind, IssuedDocument, Payment, PaymentCallback, PaymentStatus, StepLog
from dossiers.payments import providers, services, vnpay
from procedures.models import OnlineLevel

from .conftest import FEE
from .helpers import gateway_result, query_of


def start(client, dossier):
    response = client.post(reverse("online:payment", args=[dossier.pk]))
    assert response.status_code == 302, response.content.decode()[:500]
    return Payment.objects.get(dossier=dossier, status=PaymentStatus.PENDING), response["Location"]


def ipn(client, params):
    response = client.get(reverse("online:payment-ipn"), params)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def paying(client, online):
    dossier = online.dossier()
    client.force_login(online.owner)
    payment, url = start(client, dossier)
    return dossier, payment, url


# ----- the protocol ------------------------------------------------------------------------------------------


def test_signature_is_hmac_sha512_of_the_sorted_url_encoded_parameters():
    params = {"vnp_TxnRef": "123", "vnp_OrderInfo": "Thanh toan don hang:5", "vnp_Amount": "10000000",
              "vnp_SecureHash": "ignored", "vnp_SecureHashType": "ignored", "other": "not signed"}
    expected_data = "vnp_Amount=10000000&vnp_OrderInfo=Thanh+toan+don+hang%3A5&vnp_TxnRef=123"
    assert vnpay.canonical(params) == expected_data
    expected = hmac.new(b"SECRET", expected_data.encode(), hashlib.sha512).hexdigest()
    assert vnpay.sign(params, "SECRET") == expected
    assert vnpay.verify({**params, "vnp_SecureHash": expected.upper()}, "SECRET")
    assert not vnpay.verify({**params, "vnp_SecureHash": expected}, "OTHER")
    assert not vnpay.verify({**params, "vnp_Amount": "10000100", "vnp_SecureHash": expected}, "SECRET")


def test_amounts_travel_in_vnd_times_100():
    assert vnpay.to_gateway_amount(100_000) == "10000000"
    assert vnpay.from_gateway_amount("10000000") == 100_000
    assert vnpay.from_gateway_amount("10000050") is None  # not a whole đồng
    assert vnpay.from_gateway_amount("abc") is None


def test_start_sends_the_owner_to_the_gateway_with_a_signed_request(paying, online):
    _dossier, payment, url = paying
    assert url.startswith(reverse("online:sandbox-gateway") + "?")
    params = query_of(url)
    assert vnpay.verify(params, providers.sandbox_secret())
    assert params["vnp_Amount"] == str(FEE * 100) and params["vnp_CurrCode"] == "VND"
    assert params["vnp_TxnRef"] == payment.txn_ref and params["vnp_Command"] == "pay"
    assert params["vnp_ReturnUrl"] == "http://testserver" + reverse("online:payment-return")
    assert payment.amount_vnd == FEE and payment.provider == "sandbox" and payment.payer == online.owner


def test_a_new_attempt_cancels_the_pending_one(client, paying):
    dossier, first, _url = paying
    second, _url = start(client, dossier)
    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED and second.status == PaymentStatus.PENDING


def test_the_fee_comes_from_the_dossier_then_the_case_then_the_procedure(online):
    dossier = online.dossier()
    assert services.fee_for(dossier) == FEE
    dossier.case.fee_vnd = 30_000
    assert services.fee_for(dossier) == 30_000
    dossier.fee_due_vnd = 45_000
    assert services.fee_for(dossier) == 45_000


# ----- the IPN -------------------------------------------------------------------------------------------------


def test_valid_ipn_pays_the_dossier_and_issues_the_receipt(client, paying):
    dossier, payment, _url = paying
    assert ipn(client, gateway_result(payment)) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "ipn"
    assert payment.provider_reference == "14226112" and payment.bank_code == "NCB" and payment.paid_at
    assert dossier.paid_online and dossier.fee_paid_vnd == FEE and dossier.fee_paid_at == payment.paid_at
    log = StepLog.objects.get(dossier=dossier, action="record_fee")
    assert log.facts["online"] is True and log.facts["amount_vnd"] == FEE and log.to_status == dossier.status
    receipt = payment.receipt
    assert receipt.kind == FormKind.PAYMENT_RECEIPT and receipt.dossier == dossier
    text = PdfReader(io.BytesIO(receipt.file.read())).pages[0].extract_text()
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ ĐIỆN TỬ" in text
    assert "100.000 đồng" in text and payment.txn_ref in text and dossier.code in text


def test_a_repeated_ipn_is_acknowledged_and_pays_nothing_more(client, paying):
    dossier, payment, _url = paying
    params = gateway_result(payment)
    assert ipn(client, params)["RspCode"] == "00"
    assert ipn(client, params) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert ipn(client, gateway_result(payment, transaction_no="99999999"))["RspCode"] == "02"
    assert StepLog.objects.filter(dossier=dossier, action="record_fee").count() == 1
    assert IssuedDocument.objects.filter(dossier=dossier, kind=FormKind.PAYMENT_RECEIPT).count() == 1
    payment.refresh_from_db()
    assert payment.provider_reference == "14226112"
    outcomes = list(PaymentCallback.objects.filter(payment=payment).order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["paid", "already_settled", "already_settled"]


@pytest.mark.parametrize("field, value", [("vnp_Amount", "100"), ("vnp_ResponseCode", "00"),
                                          ("vnp_TxnRef", "X"), ("vnp_SecureHash", "0" * 128)])
def test_a_tampered_signature_is_refused_and_logged(client, paying, caplog, field, value):
    dossier, payment, _url = paying
    params = gateway_result(payment, response_code="24")  # a cancelled payment someone tries to turn to "paid"
    params[field] = value if field != "vnp_TxnRef" else payment.txn_ref + value
    with caplog.at_level("WARNING", logger="dossiers.payments.services"):
        assert ipn(client, params) == {"RspCode": "97", "Message": "Invalid signature"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    logged = PaymentCallback.objects.get(kind="ipn")
    assert logged.signature_valid is False and logged.outcome == "invalid_signature"
    assert logged.params[field] == params[field]
    assert "invalid signature" in caplog.text
    dossier.refresh_from_db()
    assert not dossier.paid_online


def test_a_signature_made_with_another_secret_is_refused(client, paying):
    _dossier, payment, _url = paying
    assert ipn(client, gateway_result(payment, secret="not-the-merchant-secret"))["RspCode"] == "97"


def test_an_amount_that_does_not_match_is_refused(client, paying):
    dossier, payment, _url = paying
    assert ipn(client, gateway_result(payment, amount_vnd=FEE - 1)) == {"RspCode": "04", "Message": "invalid amount"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not dossier.paid_online
    assert PaymentCallback.objects.get().outcome == "amount_mismatch"


def test_an_unknown_order_is_answered_not_found(client, paying):
    _dossier, payment, _url = paying
    params = gateway_result(payment)
    payment.delete()
    assert ipn(client, params) == {"RspCode": "01", "Message": "Order not found"}


def test_a_failed_payment_is_recorded_and_can_be_paid_again(client, paying):
    dossier, payment, _url = paying
    assert ipn(client, gateway_result(payment, response_code="51"))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.response_code == "51"
    again, _url = start(client, dossier)
    assert ipn(client, gateway_result(again))["RspCode"] == "00"
    dossier.refresh_from_db()
    assert dossier.paid_online and Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).get() == again


def test_a_late_success_of_an_abandoned_attempt_after_another_paid_is_never_paid_twice(client, paying):
    dossier, first, _url = paying
    second, _url = start(client, dossier)  # the first one is cancelled
    assert ipn(client, gateway_result(second))["RspCode"] == "00"
    # The gateway charged the abandoned attempt too: it is confirmed to the gateway, kept for a refund.
    assert ipn(client, gateway_result(first, transaction_no="555"))["RspCode"] == "00"
    first.refresh_from_db()
    assert first.status == PaymentStatus.FAILED and first.response_code == "refund"
    assert Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).count() == 1
    assert StepLog.objects.filter(dossier=dossier, action="record_fee").count() == 1


# ----- the return, and its order with the IPN --------------------------------------------------------------


def test_ipn_before_the_return_the_return_shows_the_payment_settled(client, paying):
    dossier, payment, _url = paying
    params = gateway_result(payment)
    assert ipn(client, params)["RspCode"] == "00"
    response = client.get(reverse("online:payment-return"), params)
    assert response.status_code == 200 and "Thanh toán thành công" in response.content.decode()
    payment.refresh_from_db()
    assert payment.settled_by == "ipn"
    assert [c.outcome for c in PaymentCallback.objects.order_by("id")] == ["paid", "already_settled"]
    assert StepLog.objects.filter(dossier=dossier, action="record_fee").count() == 1


def test_return_before_the_ipn_settles_it_and_the_late_ipn_is_acknowledged(client, paying):
    dossier, payment, _url = paying
    params = gateway_result(payment)
    response = client.get(reverse("online:payment-return"), params)
    assert response.status_code == 200 and "Thanh toán thành công" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "return" and payment.receipt_id
    assert ipn(client, params) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert StepLog.objects.filter(dossier=dossier, action="record_fee").count() == 1
    assert IssuedDocument.objects.filter(dossier=dossier, kind=FormKind.PAYMENT_RECEIPT).count() == 1


def test_a_tampered_return_is_refused_with_a_clear_page(client, paying):
    _dossier, payment, _url = paying
    params = gateway_result(payment)
    params["vnp_Amount"] = "100"
    response = client.get(reverse("online:payment-return"), params)
    assert response.status_code == 400
    assert "Không xác nhận được giao dịch" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_cancelled_return_says_nothing_was_charged(client, paying):
    _dossier, payment, _url = paying
    response = client.get(reverse("online:payment-return"), gateway_result(payment, response_code="24"))
    assert "Bạn đã hủy giao dịch" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_concurrent_callbacks_pay_once(online):
    """The IPN and the return arriving at the same moment (four connections): the row lock lets one settle."""
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (row locks)")
    dossier = online.dossier()
    payment = Payment.objects.create(dossier=dossier, payer=online.owner, amount_vnd=FEE, provider="sandbox",
                                     txn_ref=f"{dossier.pk}CONCURRENT")
    params = gateway_result(payment)
    barrier, outcomes = threading.Barrier(4), []

    def callback(kind):
        try:
            barrier.wait()
            outcomes.append(services.payment_callback(params=params, kind=kind).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=callback, args=(kind,)) for kind in ("ipn", "return", "ipn", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_settled", "already_settled", "already_settled", "paid"]
    assert StepLog.objects.filter(dossier=dossier, action="record_fee").count() == 1
    assert IssuedDocument.objects.filter(dossier=dossier, kind=FormKind.PAYMENT_RECEIPT).count() == 1


# ----- the sandbox gateway and who may pay ---------------------------------------------------------------------


def test_the_sandbox_gateway_plays_the_whole_round_trip(client, paying):
    _dossier, payment, url = paying
    page = client.get(url)
    assert page.status_code == 200 and "100.000 VND" in page.content.decode()
    response = client.post(reverse("online:sandbox-gateway"), {**query_of(url), "choice": "pay", "bank_code": "NCB"})
    assert response.status_code == 302
    back = response["Location"]
    assert back.startswith("http://testserver" + reverse("online:payment-return"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "ipn"  # the IPN came first
    page = client.get(back)
    assert "Thanh toán thành công" in page.content.decode()
    assert [c.kind for c in PaymentCallback.objects.order_by("id")] == ["ipn", "return"]


def test_the_sandbox_refuses_a_request_whose_signature_was_tampered_with(client, paying):
    _dossier, _payment, url = paying
    params = query_of(url)
    params["vnp_Amount"] = "100"
    assert client.get(reverse("online:sandbox-gateway"), params).status_code == 400
    assert client.post(reverse("online:sandbox-gateway"), {**params, "choice": "pay"}).status_code == 400


def test_the_sandbox_is_not_there_with_a_real_gateway(client, settings):
    settings.PAYMENT_PROVIDER = "vnpay"
    settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = "TMN01", "s3cret"
    assert client.get(reverse("online:sandbox-gateway")).status_code == 404


def test_with_vnpay_the_citizen_goes_to_the_configured_gateway(client, online, settings):
    settings.PAYMENT_PROVIDER = "vnpay"
    settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = "TMN01", "s3cret"
    dossier = online.dossier()
    client.force_login(online.owner)
    _payment, url = start(client, dossier)
    assert url.startswith(settings.VNPAY_PAYMENT_URL + "?")
    assert vnpay.verify(query_of(url), "s3cret") and query_of(url)["vnp_TmnCode"] == "TMN01"


def test_another_citizen_cannot_pay_or_see_the_payment_page(client, online):
    dossier = online.dossier()
    client.force_login(online.other_citizen)
    assert client.get(reverse("online:payment", args=[dossier.pk])).status_code == 404
    assert client.post(reverse("online:payment", args=[dossier.pk])).status_code == 404
    assert not Payment.objects.exists()


def test_anonymous_is_sent_to_log_in(client, online):
    dossier = online.dossier()
    response = client.post(reverse("online:payment", args=[dossier.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_partly_online_procedure_has_no_online_payment(client, online):
    online.procedure.online_level = OnlineLevel.PARTIAL
    online.procedure.save()
    dossier = online.dossier()
    client.force_login(online.owner)
    response = client.post(reverse("online:payment", args=[dossier.pk]))
    assert response.status_code == 409
    assert "không có phí, lệ phí phải thanh toán trực tuyến" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_paid_dossier_is_not_paid_again(client, paying):
    dossier, payment, _url = paying
    ipn(client, gateway_result(payment))
    response = client.post(reverse("online:payment", args=[dossier.pk]))
    assert response.status_code == 409 and "đã được nộp" in response.content.decode()
    page = client.get(reverse("online:payment", args=[dossier.pk]))
    assert "Tải biên lai điện tử" in page.content.decode()


def test_cancelling_at_the_sandbox_comes_back_cancelled(client, paying):
    _dossier, payment, url = paying
    response = client.post(reverse("online:sandbox-gateway"), {**query_of(url), "choice": "cancel", "bank_code": "NCB"})
    page = client.get(response["Location"]).content.decode()
    assert "Bạn đã hủy giao dịch" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED and payment.response_code == "24"


def test_an_expired_payment_request_is_not_paid_at_the_sandbox(client, paying, settings):
    _dossier, payment, url = paying
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES + 1)):
        page = client.get(url)
        assert page.status_code == 400 and "đã hết hạn thanh toán" in page.content.decode()
        assert client.post(reverse("online:sandbox-gateway"),
                           {**query_of(url), "choice": "pay", "bank_code": "NCB"}).status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not PaymentCallback.objects.exists()
