"""The desk's API (``/api/v1/desk/...``): thin DRF views over the same services as the desk's buttons.

Each view parses its input with its own serializer, calls one service in reception.services or
reception.queue, and renders the result. Errors are ``{"code": ..., "detail": ...}`` with 400/403/404/409
(config/api.py renders DomainError and its subclasses).
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import DomainError
from accounts.models import IdentityDocType
from accounts.permissions import HasRole
from accounts.roles import Role
from dossiers.models import Channel, Delivery, Dossier
from procedures.models import Procedure, ProcedureCase, RequiredDocument

from . import queue, selectors, services
from .models import Counter

CLERK_ONLY = [IsAuthenticated, HasRole.of(Role.CLERK)]


# --- input ----------------------------------------------------------------------------------------------------

class ApplicantIn(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    id_type = serializers.ChoiceField(choices=IdentityDocType.choices, default=IdentityDocType.CCCD)
    id_number = serializers.CharField(max_length=20)
    phone = serializers.CharField(max_length=15)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ChecklistIn(serializers.Serializer):
    required_document = serializers.IntegerField(required=False, allow_null=True, default=None,
                                                 help_text="Id of the catalog's required document, if any.")
    name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    received = serializers.BooleanField(default=True)
    originals = serializers.IntegerField(min_value=0, max_value=services.MAX_COPIES, default=0)
    certified_copies = serializers.IntegerField(min_value=0, max_value=services.MAX_COPIES, default=0)
    photocopies = serializers.IntegerField(min_value=0, max_value=services.MAX_COPIES, default=0)
    problem = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                    help_text="Why it is missing or faulty (a line of the supplement request).")


class ItemIn(serializers.Serializer):
    document = serializers.CharField(max_length=500, allow_blank=True)
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class DecisionIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=services.Outcome.ALL)
    checklist = ChecklistIn(many=True, required=False, default=list)
    items = ItemIn(many=True, required=False, default=list,
                   help_text="Supplement lines not tied to a checklist row.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False, allow_null=True, default=None)


class IntakeIn(DecisionIn):
    procedure = serializers.CharField(help_text="The procedure's code (e.g. 1.001193).")
    case = serializers.IntegerField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=[Channel.DESK, Channel.POSTAL], default=Channel.DESK)
    delivery = serializers.ChoiceField(choices=Delivery.choices, default=Delivery.DESK)
    applicant = ApplicantIn()


class SupplementIn(serializers.Serializer):
    items = ItemIn(many=True, required=False, default=list)
    checklist = ChecklistIn(many=True, required=False, default=list)


class ReceiveIn(serializers.Serializer):
    checklist = ChecklistIn(many=True, required=False, default=list)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False, allow_null=True, default=None)


class RefuseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnIn(serializers.Serializer):
    collected_by_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    collected_by_id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    on_behalf = serializers.BooleanField(default=False)
    postal_tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class FeeIn(serializers.Serializer):
    amount_vnd = serializers.IntegerField(min_value=0, max_value=10**13)
    receipt_number = serializers.CharField(max_length=60)


# --- output ---------------------------------------------------------------------------------------------------

class DossierOut(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Dossier
        fields = ["id", "code", "status", "status_display", "channel", "delivery", "applicant_name", "received_at",
                  "due_at", "fee_due_vnd", "fee_paid_vnd", "fee_receipt_number", "returned_at",
                  "collected_by_name", "collected_on_behalf", "postal_tracking_number"]


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    number = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, doc) -> str:
        return reverse("dossiers:document", args=[doc.pk])


class DeskResultOut(serializers.Serializer):
    outcome = serializers.CharField()
    dossier = DossierOut()
    document = DocumentOut()


class TicketOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    service = serializers.CharField(source="service.name")
    priority = serializers.CharField()
    counter = serializers.IntegerField(source="counter.number")
    called_at = serializers.DateTimeField()


class CallNextOut(serializers.Serializer):
    ticket = TicketOut(allow_null=True)


class WaitingOut(serializers.Serializer):
    id = serializers.IntegerField(source="dossier.pk")
    code = serializers.CharField(source="dossier.code")
    applicant_name = serializers.CharField(source="dossier.applicant_name")
    procedure = serializers.CharField(source="dossier.procedure.code")
    submitted_at = serializers.DateTimeField(source="dossier.submitted_at")
    confirm_due_at = serializers.DateTimeField(source="dossier.confirm_due_at")
    working_seconds_left = serializers.IntegerField(source="seconds_left")
    urgency = serializers.CharField()


# --- helpers --------------------------------------------------------------------------------------------------

def _entries(rows: list[dict], *, case_id: int | None) -> list[services.ChecklistEntry]:
    ids = [r["required_document"] for r in rows if r.get("required_document")]
    documents = {d.pk: d for d in RequiredDocument.objects.filter(pk__in=ids)}
    entries = []
    for row in rows:
        document = None
        if row.get("required_document"):
            document = documents.get(row["required_document"])
            if document is None or (case_id and document.case_id != case_id):
                raise DomainError(_("Thành phần hồ sơ %(id)s không thuộc trường hợp của hồ sơ.")
                                  % {"id": row["required_document"]}, code="invalid_document")
        name = (row.get("name") or "").strip() or (document.name if document else "")
        if not name:
            raise DomainError(_("Mỗi dòng danh mục giấy tờ cần tên hoặc mã thành phần hồ sơ."),
                              code="invalid_checklist")
        entries.append(services.ChecklistEntry(
            name=name, required_document=document, received=row["received"], originals=row["originals"],
            certified_copies=row["certified_copies"], photocopies=row["photocopies"], problem=row["problem"]))
    return entries


def _result(result: services.DeskResult, code=status.HTTP_200_OK) -> Response:
    return Response(DeskResultOut(result).data, status=code)


def _dossier(pk: int) -> Dossier:
    return get_object_or_404(Dossier.objects.select_related("procedure", "case"), pk=pk)


def _decide(request, dossier: Dossier, decision: services.Decision) -> Response:
    return _result(services.desk_check(dossier=dossier, by=request.user, decision=decision))


# --- views ----------------------------------------------------------------------------------------------------

class IntakeView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=IntakeIn, responses={201: DeskResultOut}, summary="Tiếp nhận hồ sơ tại quầy",
                   description="Creates a walk-in or postal dossier at the clerk's agency and applies exactly one "
                               "outcome (receive, supplement, refuse) in one transaction; returns the issued form.")
    def post(self, request):
        data = IntakeIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        procedure = Procedure.objects.filter(code=d["procedure"], is_active=True).select_related(
            "current_version").first()
        if procedure is None or procedure.current_version is None:
            raise DomainError(_("Không tìm thấy thủ tục “%(code)s”.") % {"code": d["procedure"]}, code="not_found",
                              http_status=404)
        case = None
        if d["case"]:
            case = ProcedureCase.objects.filter(pk=d["case"], version__procedure=procedure).first()
            if case is None:
                raise DomainError(_("Trường hợp đã chọn không thuộc thủ tục này."), code="invalid_case")
        case_id = case.pk if case else None
        decision = services.Decision(outcome=d["outcome"], checklist=_entries(d["checklist"], case_id=case_id),
                                     extra_items=d["items"], reason=d["reason"], legal_basis=d["legal_basis"],
                                     delivery=d["delivery"])
        result = services.desk_intake_decide(by=request.user, procedure=procedure, applicant=dict(d["applicant"]),
                                             decision=decision, channel=d["channel"], case=case,
                                             delivery=d["delivery"])
        return _result(result, status.HTTP_201_CREATED)


class ReceiveView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=ReceiveIn, responses={200: DeskResultOut}, summary="Tiếp nhận hồ sơ (in giấy tiếp nhận)")
    def post(self, request, pk: int):
        dossier = _dossier(pk)
        data = ReceiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        entries = _entries(data.validated_data["checklist"], case_id=dossier.case_id)
        return _decide(request, dossier, services.Decision(outcome=services.Outcome.RECEIVE, checklist=entries,
                                                           delivery=data.validated_data["delivery"]))


class SupplementView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=SupplementIn, responses={200: DeskResultOut}, summary="Yêu cầu bổ sung hồ sơ",
                   description="One written list naming every missing or faulty document with its reason; an "
                               "empty list is a 400 and nothing is written.")
    def post(self, request, pk: int):
        dossier = _dossier(pk)
        data = SupplementIn(data=request.data)
        data.is_valid(raise_exception=True)
        entries = _entries(data.validated_data["checklist"], case_id=dossier.case_id)
        return _decide(request, dossier, services.Decision(outcome=services.Outcome.SUPPLEMENT, checklist=entries,
                                                           extra_items=data.validated_data["items"]))


class RefuseView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=RefuseIn, responses={200: DeskResultOut}, summary="Từ chối tiếp nhận hồ sơ",
                   description="Both the reason and its legal basis are required (400 otherwise).")
    def post(self, request, pk: int):
        dossier = _dossier(pk)
        data = RefuseIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _decide(request, dossier, services.Decision(outcome=services.Outcome.REFUSE,
                                                           reason=data.validated_data["reason"],
                                                           legal_basis=data.validated_data["legal_basis"]))


class ReturnView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=ReturnIn, responses={200: DeskResultOut}, summary="Trả kết quả",
                   description="Either who collected it (name and ID number, on the applicant's behalf or not) or "
                               "the postal tracking number; issues the hand-over note.")
    def post(self, request, pk: int):
        dossier = _dossier(pk)
        data = ReturnIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _result(services.desk_return_result(dossier=dossier, by=request.user, **data.validated_data))


class FeeView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=FeeIn, responses={200: DossierOut}, summary="Ghi nhận phí, lệ phí đã thu")
    def post(self, request, pk: int):
        dossier = _dossier(pk)
        data = FeeIn(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = services.desk_record_fee(dossier=dossier, by=request.user, **data.validated_data)
        return Response(DossierOut(dossier).data)


class CallNextView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(request=None, responses={200: CallNextOut}, summary="Gọi số tiếp theo tại quầy",
                   description="Priority tickets first, then first come first served; ``ticket`` is null when "
                               "nobody waits. Two clerks calling at once never get the same ticket.")
    def post(self, request, pk: int):
        counter = get_object_or_404(Counter, pk=pk)
        ticket = queue.ticket_call_next(counter=counter, by=request.user)
        if ticket is not None:
            ticket = type(ticket).objects.select_related("service", "counter").get(pk=ticket.pk)
        return Response(CallNextOut({"ticket": ticket}).data)


class OnlineQueueView(APIView):
    permission_classes = CLERK_ONLY

    @extend_schema(responses={200: WaitingOut(many=True)}, summary="Hồ sơ trực tuyến chờ Bộ phận Một cửa kiểm tra",
                   description="Most urgent first, with the working seconds left of the 8 working hours.")
    def get(self, request):
        rows = selectors.online_waiting(request.user, agency=request.user.agency, now=timezone.now(), limit=200)
        return Response(WaitingOut(rows, many=True).data)
