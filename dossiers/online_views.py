"""Pages of the fully online service (issue 7): paying a fee, the sandbox gateway, electronic results, the
citizen's document store and the desk's digitisation into it. Thin: every write is a service call.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import DomainError
from accounts.models import User
from accounts.roles import Role
from accounts.validators import normalize_phone

from . import results, selectors, store
from .models import Dossier, PaymentStatus, Status, StoredDocument
from .payments import providers, vnpay
from .payments import services as payments
from .uploads import ALLOWED_LABEL
from .views._common import posted, role_required
from .views.files import _serve
from .views.journey import _documents, _draft, _guard_draft

logger = logging.getLogger(__name__)


def _client_ip(request) -> str:
    return request.META.get(settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR", "") or ""


# ----- payment ---------------------------------------------------------------------------------------------


@role_required()
@require_http_methods(["GET", "POST"])
def payment(request, pk):
    """The owner's payment page: the fee, the attempts so far, the receipt; POST sends them to the gateway."""
    dossier = selectors.dossier_for_citizen(request.user, pk)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:submit-review", pk=dossier.pk)
    problem = payments.payment_problem(dossier, request.user)
    status = 200
    if request.method == "POST":
        return_url = request.build_absolute_uri(reverse("online:payment-return"))
        try:
            _payment, url = payments.payment_start(dossier=dossier, by=request.user, return_url=return_url,
                                                   client_ip=_client_ip(request))
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.http_status
        else:
            return redirect(url)
    paid = payments.paid_payment(dossier)
    if paid and not paid.receipt_id:
        payments.ensure_receipt(paid)
    return render(request, "dossiers/online/payment.html", {
        "dossier": dossier, "fee": payments.fee_for(dossier), "problem": problem, "paid": paid,
        "attempts": dossier.payments.order_by("-created_at", "-id")[:10],
        "provider": providers.current(),
    }, status=status)


@never_cache
@require_GET
def payment_return(request):
    """Where the gateway sends the browser back: the signed result settles the payment if the IPN has not."""
    result = payments.payment_callback(params=request.GET.dict(), kind="return", remote_addr=_client_ip(request))
    payment = result.payment
    owner = payment is not None and request.user.is_authenticated and payment.dossier.submitted_by_id == request.user.pk
    status = 400 if result.outcome in ("invalid_signature", "not_found", "amount_mismatch") else 200
    return render(request, "dossiers/online/payment_return.html", {
        "result": result, "payment": payment if owner else None, "dossier": payment.dossier if owner else None,
        "paid": payment is not None and payment.status == PaymentStatus.PAID,
    }, status=status)


@csrf_exempt  # a server-to-server call from the gateway, authenticated by its HMAC signature
@never_cache
@require_http_methods(["GET", "POST"])
def payment_ipn(request):
    """The gateway's IPN: always a JSON answer in its own codes (00 confirmed, 02 already, 97 bad signature)."""
    params = request.GET.dict() if request.method == "GET" else request.POST.dict()
    try:
        result = payments.payment_callback(params=params, kind="ipn", remote_addr=_client_ip(request))
    except Exception:  # the gateway retries on 99; the error itself is in the log
        logger.exception("IPN failed")
        return JsonResponse({"RspCode": vnpay.RSP_UNKNOWN_ERROR[0], "Message": vnpay.RSP_UNKNOWN_ERROR[1]})
    return JsonResponse(result.ipn_body)


class SandboxForm(forms.Form):
    choice = forms.ChoiceField(choices=[("pay", "pay"), ("cancel", "cancel"), ("fail", "fail")])
    bank_code = forms.ChoiceField(label=gettext_lazy("Ngân hàng"), initial="NCB",
                                  choices=[("NCB", "NCB"), ("VCB", "Vietcombank"), ("BIDV", "BIDV"),
                                           ("VIETINBANK", "VietinBank"), ("AGRIBANK", "Agribank")])


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_gateway(request):
    """A page of this app playing the payment gateway, signing with the same protocol (embedded default, tests).

    It checks the merchant's signed request like the gateway does, then — on "pay" or "cancel" — delivers the
    signed IPN to the merchant first and sends the browser to the return URL with the same signed result.
    """
    provider = providers.current()
    if not provider.is_sandbox:
        raise Http404
    source = request.GET if request.method == "GET" else request.POST
    params = {k: v for k, v in source.items() if k.startswith("vnp_")}
    if not vnpay.verify(params, provider.secret) or params.get("vnp_TmnCode") != provider.tmn_code:
        return render(request, "dossiers/online/sandbox.html", {"invalid": True}, status=400)
    expire = vnpay.parse_timestamp(params.get("vnp_ExpireDate", ""))
    expired = expire is not None and expire < timezone.now()
    form = SandboxForm(posted(request))
    if request.method == "POST" and form.is_valid() and not expired:
        code = {"pay": vnpay.SUCCESS, "cancel": vnpay.CANCELLED_BY_CUSTOMER, "fail": "51"}[form.cleaned_data["choice"]]
        txn_no = f"{timezone.now():%H%M%S}{params['vnp_TxnRef'][-4:]}"
        result = vnpay.result_params(params, response_code=code, transaction_no=txn_no,
                                     bank_code=form.cleaned_data["bank_code"], pay_date=timezone.now())
        query = vnpay.signed_query(result, provider.secret)
        # The IPN, server to server, before the browser comes back (as a real gateway usually does).
        payments.payment_callback(params=dict(parse_qsl(query)), kind="ipn", remote_addr="127.0.0.1")
        return redirect(f"{params['vnp_ReturnUrl']}?{query}")
    return render(request, "dossiers/online/sandbox.html", {
        "params": params, "amount": vnpay.from_gateway_amount(params.get("vnp_Amount", "")), "form": form,
        "expired": expired,
    }, status=400 if expired or form.errors else 200)


# ----- electronic results ----------------------------------------------------------------------------------


class ResultUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp kết quả đã ký số (PDF)"),
                           error_messages={"required": gettext_lazy("Hãy chọn tệp kết quả để tải lên.")})


@role_required()
@require_POST
def result_upload(request, pk):
    dossier = selectors.dossier_for_staff(request.user, pk)
    form = ResultUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dossier = results.result_upload(dossier=dossier, by=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if dossier.status == Status.RETURNED:
                messages.success(request, _("Đã tải kết quả điện tử và trả kết quả trực tuyến cho công dân."))
            else:
                messages.success(request, _("Đã tải kết quả điện tử lên hồ sơ."))
    else:
        messages.error(request, form.errors["file"][0])
    return redirect("dossiers:detail", pk=dossier.pk)


@role_required()
@require_POST
def result_return(request, pk):
    dossier = selectors.dossier_for_staff(request.user, pk)
    try:
        results.result_return_online(dossier=dossier, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã trả kết quả điện tử trực tuyến cho công dân."))
    return redirect("dossiers:detail", pk=dossier.pk)


@role_required()
def result_download(request, pk):
    dossier = get_object_or_404(Dossier, pk=pk)
    if not results.may_download_result(request.user, dossier):
        raise Http404  # whether someone else's dossier has a result is not for others to learn
    fieldfile = results.result_download(dossier=dossier, by=request.user, remote_addr=_client_ip(request))
    return _serve(fieldfile, content_type="application/pdf", filename=f"ket-qua-{dossier.code or dossier.pk}.pdf")


# ----- the citizen's document store ------------------------------------------------------------------------


class StoreUploadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên giấy tờ"), max_length=500, required=False)
    file = forms.FileField(label=gettext_lazy("Chọn tệp"),
                           error_messages={"required": gettext_lazy("Hãy chọn tệp để thêm vào kho.")})


@role_required(Role.CITIZEN)
@require_http_methods(["GET", "POST"])
def document_store(request):
    form = StoreUploadForm(*posted(request, files=True))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                doc = store.store_upload(owner=request.user, by=request.user, upload=form.cleaned_data["file"],
                                         title=form.cleaned_data["title"])
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("Đã thêm “%(title)s” vào kho giấy tờ.") % {"title": doc.title})
                return redirect("online:store")
        status = 400
    return render(request, "dossiers/online/store.html", {
        "documents": store.documents_of(request.user), "form": form, "allowed_label": ALLOWED_LABEL,
    }, status=status)


@role_required()
def store_file(request, pk):
    doc = get_object_or_404(StoredDocument, pk=pk, owner=request.user)  # another's file is a 404
    return _serve(doc.file, content_type=doc.content_type, filename=doc.original_name)


@role_required()
@require_POST
def store_remove(request, pk):
    doc = get_object_or_404(StoredDocument, pk=pk, owner=request.user)
    store.store_remove(document=doc, by=request.user)
    messages.success(request, _("Đã xóa “%(title)s” khỏi kho giấy tờ.") % {"title": doc.title})
    return redirect("online:store")


@role_required()
@require_POST
def attach_from_store(request, pk, index):
    """The journey's "attach from my document store" on a document page."""
    dossier = _draft(request, pk)
    if redirect_to := _guard_draft(request, dossier):
        return redirect_to
    docs = _documents(dossier)
    if not 1 <= index <= len(docs):
        raise Http404
    stored = StoredDocument.objects.filter(pk=request.POST.get("stored"), owner_id=dossier.submitted_by_id).first()
    if stored is None:
        messages.error(request, _("Hãy chọn một giấy tờ trong kho của bạn."))
    else:
        try:
            store.store_attach(dossier=dossier, by=request.user, document=stored, required_document=docs[index - 1])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã đính kèm từ kho giấy tờ: %(name)s") % {"name": stored.title})
    return redirect("dossiers:submit-document", pk=dossier.pk, index=index)


class DigitiseForm(forms.Form):
    citizen = forms.CharField(label=gettext_lazy("Số CCCD hoặc số điện thoại của công dân"), max_length=20)
    title = forms.CharField(label=gettext_lazy("Tên giấy tờ"), max_length=500)
    file = forms.FileField(label=gettext_lazy("Bản quét"),
                           error_messages={"required": gettext_lazy("Hãy chọn bản quét của giấy tờ.")})

    def clean_citizen(self):
        value = self.cleaned_data["citizen"].strip()
        found = User.objects.filter(Q(cccd=value) | Q(phone=normalize_phone(value)),
                                    groups__name=Role.CITIZEN, is_active=True).distinct()[:2]
        if len(found) != 1:
            raise forms.ValidationError(_("Không tìm thấy tài khoản công dân có số CCCD hoặc số điện thoại này."))
        return found[0]


@role_required(Role.CLERK, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def desk_digitise(request):
    """The desk scans a citizen's paper document into their store, for this and later dossiers."""
    form = DigitiseForm(*posted(request, files=True))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                doc = store.store_digitise(citizen=form.cleaned_data["citizen"], by=request.user,
                                           upload=form.cleaned_data["file"], title=form.cleaned_data["title"])
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("Đã số hóa “%(title)s” vào kho giấy tờ của %(name)s.")
                                 % {"title": doc.title, "name": doc.owner.full_name or doc.owner})
                return redirect("online:desk-digitise")
        status = 400
    return render(request, "dossiers/online/digitise.html", {"form": form, "allowed_label": ALLOWED_LABEL},
                  status=status)

