"""The dossier API (/api/v1/): thin views over dossiers/services.py and dossiers/selectors.py.

Each operation validates its input with its own serializer, calls one service, and answers with an output
serializer. Errors keep one shape, ``{"code", "detail"[, "errors"]}`` (config/api.py): 400 bad input,
403 out of role or scope, 404 not found (or not yours), 409 wrong status, 429 too many tracking lookups.
"""

import re

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import DomainError
from procedures.models import Procedure

from . import selectors, services, tracking
from . import serializers as s
from .models import Attachment, Dossier
from .uploads import check_upload

ERRORS = {code: s.DossierErrorSerializer for code in (400, 403, 404, 409)}
DOC_KEY = re.compile(r"^doc_(\d+)$")


class Page(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _detail(request, dossier: Dossier, http_status=status.HTTP_200_OK) -> Response:
    fresh = Dossier.objects.select_related(*selectors.LIST_RELATED).get(pk=dossier.pk)
    selectors.dossier_detail_related(fresh)
    return Response(s.DossierDetailSerializer(fresh, context={"request": request}).data, status=http_status)


def _visible(request, pk: int) -> Dossier:
    """The dossier for its owner (or the clerk who filed it), or for staff in scope; 404/403 otherwise."""
    user = request.user
    dossier = Dossier.objects.filter(pk=pk).first()
    if dossier is not None and user.pk in (dossier.submitted_by_id, dossier.filed_by_id):
        return dossier
    if user.is_portal_staff:
        return selectors.dossier_for_staff(user, pk)
    raise Http404(_("Không tìm thấy hồ sơ."))


# ----- citizens: drafts, files, submission -----------------------------------------------------------------------


class DossierCreateAPI(APIView):
    @extend_schema(
        operation_id="dossier_create",
        summary="Tạo hồ sơ nháp (công dân)",
        description=(
            "JSON, hoặc multipart kèm tệp: mỗi thành phần hồ sơ một hay nhiều tệp dưới khóa `doc_<id thành phần>`. "
            "Thông tin người nộp bỏ trống được lấy từ tài khoản. Tệp được kiểm tra dung lượng và loại thật theo "
            "nội dung; một tệp không hợp lệ thì không lưu gì cả."
        ),
        request={"multipart/form-data": s.DossierCreateInput, "application/json": s.DossierCreateInput},
        responses={201: s.DossierDetailSerializer, **ERRORS},
        tags=["dossiers"],
    )
    def post(self, request):
        data = s.DossierCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        procedure = Procedure.objects.filter(code=v["procedure"]).first()
        if procedure is None:
            raise ValidationError({"procedure": [_("Không có thủ tục mã %(code)s.") % {"code": v["procedure"]}]})
        files = self._files(request)
        user = request.user
        applicant = {"name": user.full_name, "phone": user.phone or "", "id_number": user.cccd or "",
                     "email": user.email, "address": user.address}
        applicant.update(data.applicant())
        stored: list[Attachment] = []
        try:
            with transaction.atomic():
                dossier = services.dossier_create_draft(
                    procedure=procedure, by=user, applicant=applicant, case=v.get("case"),
                    delivery=v["delivery"], agency=v.get("agency"), summary=v.get("summary", ""),
                )
                for document_id, upload in files:
                    stored.append(services.attachment_add(dossier=dossier, by=user, upload=upload,
                                                          required_document=document_id))
        except Exception:
            for attachment in stored:  # the transaction rolled back: take the files with it
                attachment.file.storage.delete(attachment.file.name)
            raise
        return _detail(request, dossier, status.HTTP_201_CREATED)

    @staticmethod
    def _files(request) -> list[tuple[int, object]]:
        """Every file checked before anything is written, so the answer lists every bad file at once."""
        files, errors = [], {}
        for key in request.FILES:
            match = DOC_KEY.match(key)
            if not match:
                errors[key] = [_("Khóa tệp phải có dạng doc_<mã thành phần hồ sơ>.")]
                continue
            for upload in request.FILES.getlist(key):
                try:
                    check_upload(upload)
                except DomainError as exc:
                    errors.setdefault(key, []).append(exc.message)
                else:
                    files.append((int(match.group(1)), upload))
        if errors:
            raise ValidationError(errors)
        return files


class DossierDetailAPI(APIView):
    @extend_schema(operation_id="dossier_detail", summary="Xem hồ sơ (chủ hồ sơ hoặc cán bộ trong phạm vi)",
                   responses={200: s.DossierDetailSerializer, **ERRORS}, tags=["dossiers"])
    def get(self, request, pk: int):
        return _detail(request, _visible(request, pk))

    @extend_schema(operation_id="dossier_update_draft", summary="Sửa hồ sơ nháp (tự động lưu)",
                   request=s.DossierUpdateInput, responses={200: s.DossierDetailSerializer, **ERRORS},
                   tags=["dossiers"])
    def patch(self, request, pk: int):
        dossier = _visible(request, pk)
        data = s.DossierUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k not in s.ApplicantInputMixin.APPLICANT_KEYS}
        fields.update(data.applicant())
        services.dossier_update_draft(dossier=dossier, by=request.user, **fields)
        return _detail(request, dossier)


class DossierSubmitAPI(APIView):
    @extend_schema(operation_id="dossier_submit", summary="Nộp hồ sơ (cấp mã hồ sơ)", request=None,
                   responses={200: s.DossierDetailSerializer, **ERRORS}, tags=["dossiers"])
    def post(self, request, pk: int):
        dossier = _visible(request, pk)
        services.dossier_submit(dossier=dossier, by=request.user)
        return _detail(request, dossier)


class AttachmentCreateAPI(APIView):
    @extend_schema(operation_id="dossier_attachment_add", summary="Tải lên một tệp của hồ sơ",
                   request={"multipart/form-data": s.AttachmentInput},
                   responses={201: s.AttachmentSerializer, **ERRORS}, tags=["dossiers"])
    def post(self, request, pk: int):
        dossier = _visible(request, pk)
        data = s.AttachmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attachment = services.attachment_add(dossier=dossier, by=request.user, upload=v["file"],
                                             required_document=v.get("required_document"), copy_kind=v["copy_kind"])
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDeleteAPI(APIView):
    @extend_schema(operation_id="dossier_attachment_remove", summary="Xóa một tệp của hồ sơ nháp",
                   responses={204: None, **ERRORS}, tags=["dossiers"])
    def delete(self, request, pk: int, attachment_pk: int):
        dossier = _visible(request, pk)
        attachment = get_object_or_404(Attachment, pk=attachment_pk, dossier=dossier)
        services.attachment_remove(attachment=attachment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ----- staff actions: one endpoint per line of the workflow table ---------------------------------------------------


def _call(fn, **fixed):
    return lambda dossier, by, v: fn(dossier=dossier, by=by, **fixed, **v)


ACTIONS = {
    # action: (input serializer, summary, how to call the service with the validated data)
    "receive": (s.ReceiveInput, "Tiếp nhận hồ sơ", _call(services.dossier_receive)),
    "request_supplement": (s.RequestSupplementInput, "Yêu cầu bổ sung hồ sơ (nêu tất cả trong một lần)",
                           lambda d, by, v: services.dossier_request_supplement(
                               dossier=d, by=by, items=[dict(i) for i in v["items"]], note=v["note"])),
    "complete_supplement": (s.NoteInput, "Xác nhận đã bổ sung hồ sơ", _call(services.dossier_complete_supplement)),
    "refuse": (s.RefuseInput, "Từ chối tiếp nhận hồ sơ", _call(services.dossier_refuse)),
    "assign": (s.AssignInput, "Phân công (chuyên viên nhận cho mình)", _call(services.dossier_assign)),
    "transfer": (s.TransferInput, "Chuyển xử lý (cho người khác hoặc liên thông sang cơ quan khác)",
                 _call(services.dossier_transfer)),
    "send_for_approval": (s.SendForApprovalInput, "Trình lãnh đạo phê duyệt",
                          _call(services.dossier_send_for_approval)),
    "approve": (s.NoteInput, "Phê duyệt kết quả", _call(services.dossier_approve)),
    "send_back": (s.SendBackInput, "Trả lại để xử lý lại", _call(services.dossier_send_back)),
    "request_financial": (s.RequestFinancialInput, "Yêu cầu thực hiện nghĩa vụ tài chính",
                          _call(services.dossier_request_financial)),
    "complete_financial": (s.NoteInput, "Xác nhận hoàn thành nghĩa vụ tài chính",
                           _call(services.dossier_complete_financial)),
    "withdraw": (s.ReasonInput, "Ghi nhận công dân rút hồ sơ", _call(services.dossier_withdraw)),
    "stop": (s.StopInput, "Dừng xử lý hồ sơ", _call(services.dossier_stop)),
    "return_result": (s.ReturnResultInput, "Trả kết quả", _call(services.dossier_return_result)),
    "extend": (s.ExtendInput, "Gia hạn, hẹn lại ngày trả (giữ ngày hẹn ban đầu cho thống kê)",
               _call(services.dossier_extend)),
    "record_fee": (s.RecordFeeInput, "Ghi nhận thu phí, lệ phí", _call(services.dossier_record_fee)),
}


class DossierActionAPI(APIView):
    """Base: the subclasses below fix ``workflow_action``; the workflow checks role, scope and status."""

    workflow_action = ""

    def post(self, request, pk: int):
        dossier = selectors.dossier_for_staff(request.user, pk)
        input_class, _summary, call = ACTIONS[self.workflow_action]
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        call(dossier, request.user, dict(data.validated_data))
        return _detail(request, dossier)


def _action_view(action: str):
    input_class, summary, _call_fn = ACTIONS[action]

    # A function of its own per action: the schema decorator annotates the function object it is given.
    @extend_schema(operation_id=f"dossier_action_{action}", summary=summary, request=input_class,
                   responses={200: s.DossierDetailSerializer, **ERRORS}, tags=["dossier actions"])
    def post(self, request, pk: int):
        return DossierActionAPI.post(self, request, pk)

    return type(f"Dossier_{action}_API", (DossierActionAPI,), {"workflow_action": action, "post": post})


ACTION_VIEWS = {action: _action_view(action) for action in ACTIONS}


# ----- lists ------------------------------------------------------------------------------------------------------


class InboxAPI(APIView):
    @extend_schema(operation_id="inbox", summary="Hồ sơ cần xử lý (cán bộ), khẩn nhất trước",
                   parameters=[s.InboxQuery, OpenApiParameter("page", OpenApiTypes.INT),
                               OpenApiParameter("page_size", OpenApiTypes.INT)],
                   responses={200: s.DossierListSerializer(many=True), **ERRORS}, tags=["dossiers"])
    def get(self, request):
        query = s.InboxQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = {k: val for k, val in query.validated_data.items() if val not in ("", None)}
        now = timezone.now()
        qs = selectors.inbox_for(request.user, now=now, **v)
        paginator = Page()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = s.DossierListSerializer(page, many=True, context={"request": request, "now": now}).data
        return paginator.get_paginated_response(data)


class MyDossiersAPI(APIView):
    @extend_schema(operation_id="my_dossiers", summary="Hồ sơ của tôi (công dân)",
                   parameters=[OpenApiParameter("page", OpenApiTypes.INT)],
                   responses={200: s.MyDossierSerializer(many=True)}, tags=["dossiers"])
    def get(self, request):
        paginator = Page()
        page = paginator.paginate_queryset(selectors.dossiers_of_citizen(request.user), request, view=self)
        return paginator.get_paginated_response(s.MyDossierSerializer(page, many=True).data)


class MyDossierWithdrawAPI(APIView):
    @extend_schema(operation_id="my_dossier_withdraw", summary="Rút hồ sơ (trước khi có kết quả)",
                   request=s.ReasonInput, responses={200: s.DossierDetailSerializer, **ERRORS}, tags=["dossiers"])
    def post(self, request, pk: int):
        dossier = selectors.dossier_for_citizen(request.user, pk)
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.dossier_withdraw(dossier=dossier, by=request.user, reason=data.validated_data["reason"])
        return _detail(request, dossier)


class MyDossierSupplementAPI(APIView):
    @extend_schema(operation_id="my_dossier_complete_supplement",
                   summary="Báo đã bổ sung hồ sơ (sau khi tải lên các tệp được yêu cầu)",
                   request=s.NoteInput, responses={200: s.DossierDetailSerializer, **ERRORS}, tags=["dossiers"])
    def post(self, request, pk: int):
        dossier = selectors.dossier_for_citizen(request.user, pk)
        data = s.NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.dossier_complete_supplement(dossier=dossier, by=request.user, note=data.validated_data["note"])
        return _detail(request, dossier)


# ----- public tracking ---------------------------------------------------------------------------------------------


TRACKING_NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại đã nhập."


class TrackingAPI(APIView):
    """Public: no session, no CSRF. Wrong code and wrong phone answer alike, and count against the client IP."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="tracking",
        summary="Tra cứu tình trạng hồ sơ",
        description="Theo mã hồ sơ và số điện thoại người nộp (đầy đủ hoặc 4 số cuối). Không trả về thông tin "
                    "cá nhân. Giới hạn số lần tra cứu sai theo địa chỉ IP (429 khi vượt).",
        parameters=[OpenApiParameter("phone", OpenApiTypes.STR, required=True,
                                     description="Số điện thoại hoặc 4 số cuối")],
        responses={200: s.TrackingSerializer, 400: s.DossierErrorSerializer, 404: s.DossierErrorSerializer,
                   429: inline_serializer("RateLimited", {"code": drf_serializers.CharField(),
                                                          "detail": drf_serializers.CharField()})},
        tags=["tracking"],
    )
    def get(self, request, code: str):
        phone = (request.query_params.get("phone") or "").strip()
        if not phone:
            return Response({"code": "invalid", "detail": _("Hãy nhập số điện thoại (hoặc 4 số cuối).")},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            card = tracking.by_code(code, phone, client=tracking.client_of(request))
        except tracking.TooManyMisses as limited:
            return Response(
                {"code": "rate_limited", "detail": _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(limited.retry_after)},
            )
        if card is None:
            return Response({"code": "not_found", "detail": _(TRACKING_NOT_FOUND)}, status=status.HTTP_404_NOT_FOUND)
        return Response(tracking_json(card))


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None  # as DRF's DateTimeField writes it


def tracking_json(card: tracking.Card) -> dict:
    """The body TrackingSerializer documents, written out directly: a serializer walking ~60 fields cost
    more than the rest of this public, heavily used request (tests/dossiers/test_tracking_api.py checks
    the two agree)."""
    appointment = card.appointment()
    if appointment:
        appointment.update(at=_iso(appointment["at"]), date=appointment["date"].isoformat())
    return {
        "code": card.code,
        "procedure": {"code": card.procedure_code, "name": card.procedure_name},
        "status": card.status,
        "status_label": card.status_label,
        "national_status_id": card.national_status_id,
        "substep_label": card.substep_label,
        "receiving_agency": card.receiving_agency.name,
        "current_agency": card.current_agency,
        "submitted_at": _iso(card.submitted_at),
        "received_at": _iso(card.received_at),
        "appointment": appointment,
        "completed_at": _iso(card.completed_at),
        "returned_at": _iso(card.returned_at),
        "timeline": [{"action": step.action, "label": step.label, "status": step.to_status,
                      "status_label": step.status_label, "at": _iso(step.at), "from_agency": step.from_agency,
                      "to_agency": step.to_agency} for step in card.steps],
    }

