"""Ratings and feedback API: the same services as the pages, input and output serializers per operation.

Public: rate a returned dossier with its tracking token; send feedback; look one up with its code and the
sender's phone or e-mail (rate-limited); the published answers. Staff: the feedback inbox and its actions.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import DomainError
from accounts.models import Agency
from dossiers import tracking as dossier_tracking
from procedures.models import Procedure

from . import selectors, services
from .models import CRITERION_KEYS, Feedback, FeedbackKind, FeedbackTopic, Rating, RatingLevel


def _lookup_rate(group, request) -> str:
    return getattr(settings, "FEEDBACK_LOOKUP_RATE", settings.TRACKING_RATE)


def _submit_rate(group, request) -> str:
    return getattr(settings, "FEEDBACK_SUBMIT_RATE", "10/h")


def _check_limit(request) -> None:
    if getattr(request, "limited", False):
        raise Throttled(detail=_("Có quá nhiều yêu cầu từ địa chỉ này; vui lòng thử lại sau ít phút."))


# ----- ratings ----------------------------------------------------------------------------------------------

class RatingIn(serializers.Serializer):
    token = serializers.CharField(max_length=40, help_text="Mã theo dõi của hồ sơ (trong mã QR của giấy tiếp nhận)")
    level = serializers.ChoiceField(choices=RatingLevel.choices)
    criteria = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=2), required=False,
                                     help_text=f"Tiêu chí {', '.join(CRITERION_KEYS)}: 0–2 điểm mỗi tiêu chí")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RatingOut(serializers.ModelSerializer):
    dossier_code = serializers.CharField(source="dossier.code")
    level_display = serializers.CharField(source="get_level_display")

    class Meta:
        model = Rating
        fields = ["id", "dossier_code", "level", "level_display", "criteria", "criteria_points", "comment",
                  "channel", "created_at"]


@method_decorator(ratelimit(key="ip", rate=_lookup_rate, method="POST", block=False, group="ratings:api-rate"),
                  name="post")
class RatingCreateAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=RatingIn, responses={201: RatingOut}, summary="Đánh giá mức độ hài lòng (hồ sơ đã trả)")
    def post(self, request):
        _check_limit(request)
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = selectors.dossier_by_token(data.validated_data["token"])
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        rating = services.rating_submit(dossier=dossier, level=data.validated_data["level"],
                                        criteria=data.validated_data.get("criteria") or None,
                                        comment=data.validated_data.get("comment", ""))
        return Response(RatingOut(rating).data, status=201)


# ----- feedback (public) ------------------------------------------------------------------------------------

class FeedbackIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedbackKind.choices, default=FeedbackKind.REPORT)
    topic = serializers.ChoiceField(choices=FeedbackTopic.choices, default=FeedbackTopic.SERVICE)
    title = serializers.CharField(max_length=255)
    content = serializers.CharField(max_length=5000)
    agency = serializers.CharField(required=False, allow_blank=True, help_text="Mã định danh của cơ quan")
    procedure = serializers.CharField(required=False, allow_blank=True, help_text="Mã thủ tục")
    dossier_code = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                         help_text="Mã hồ sơ; cần đúng số điện thoại người nộp (sender_phone)")
    sender_name = serializers.CharField(max_length=150)
    sender_phone = serializers.CharField(required=False, allow_blank=True, max_length=15)
    sender_email = serializers.EmailField(required=False, allow_blank=True)
    sender_address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    allow_publish = serializers.BooleanField(default=False)


class FeedbackOut(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    agency_name = serializers.CharField(source="agency.name")

    class Meta:
        model = Feedback
        fields = ["code", "kind", "topic", "title", "status", "status_display", "agency_name", "received_at",
                  "answer_due_at", "info_request", "answer", "answered_at", "published_at", "sender_satisfied"]


class PublishedOut(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name")
    procedure_code = serializers.CharField(source="procedure.code", default=None)

    class Meta:
        model = Feedback
        fields = ["code", "kind", "title", "content", "answer", "answered_at", "published_at", "agency_name",
                  "procedure_code"]


@method_decorator(ratelimit(key="ip", rate=_submit_rate, method="POST", block=False, group="ratings:api-feedback"),
                  name="post")
class FeedbackCreateAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=FeedbackIn, responses={201: FeedbackOut}, summary="Gửi phản ánh, kiến nghị")
    def post(self, request):
        _check_limit(request)
        data = FeedbackIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        agency = procedure = dossier = None
        if v.get("agency"):
            agency = Agency.objects.filter(code=v["agency"], is_active=True).first()
            if agency is None:
                raise DomainError(_("Không tìm thấy cơ quan."), code="invalid_agency")
        if v.get("procedure"):
            procedure = Procedure.objects.filter(code=v["procedure"]).first()
            if procedure is None:
                raise DomainError(_("Không tìm thấy thủ tục."), code="invalid_procedure")
        if v.get("dossier_code"):
            try:
                dossier = dossier_tracking.dossier_for(v["dossier_code"], v.get("sender_phone", ""),
                                                       client=dossier_tracking.client_of(request))
            except dossier_tracking.TooManyMisses as limited:
                raise Throttled(wait=limited.retry_after) from None
            if dossier is None:
                raise DomainError(_("Không tìm thấy hồ sơ với mã hồ sơ và số điện thoại đã nhập."),
                                  code="invalid_dossier")
        feedback = services.feedback_submit(
            by=request.user, title=v["title"], content=v["content"], sender_name=v["sender_name"],
            sender_phone=v.get("sender_phone", ""), sender_email=v.get("sender_email", ""),
            sender_address=v.get("sender_address", ""), kind=v["kind"], topic=v["topic"], agency=agency,
            procedure=procedure, dossier=dossier, allow_publish=v["allow_publish"])
        return Response(FeedbackOut(feedback).data, status=201)


class LookupIn(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    contact = serializers.CharField(max_length=254, help_text="Số điện thoại hoặc thư điện tử người gửi đã để lại")


@method_decorator(ratelimit(key="ip", rate=_lookup_rate, method="POST", block=False, group="ratings:api-lookup"),
                  name="post")
class FeedbackLookupAPI(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=LookupIn, responses={200: FeedbackOut}, summary="Tra cứu phản ánh, kiến nghị")
    def post(self, request):
        _check_limit(request)
        data = LookupIn(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = selectors.feedback_lookup(data.validated_data["code"], data.validated_data["contact"])
        if feedback is None:
            raise NotFound(_("Không tìm thấy phản ánh với mã và thông tin liên hệ đã nhập."))
        return Response(FeedbackOut(feedback).data)


class PublishedAPI(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = PublishedOut

    def get_queryset(self):
        return selectors.published_feedback()


# ----- staff ------------------------------------------------------------------------------------------------

class StaffFeedbackOut(FeedbackOut):
    class Meta(FeedbackOut.Meta):
        fields = [*FeedbackOut.Meta.fields, "id", "content", "sender_name", "sender_phone", "sender_email",
                  "allow_publish", "refuse_due_at", "info_due_at", "forward_due_at", "publish_due_at"]


class InboxAPI(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = StaffFeedbackOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return Feedback.objects.none()
        return selectors.feedback_inbox(self.request.user, status=self.request.query_params.get("status", "open"),
                                        q=self.request.query_params.get("q", ""))


class ActionIn(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                 help_text="Nội dung trả lời / lý do / thông tin cần bổ sung / lý do chuyển")
    to_agency = serializers.CharField(required=False, allow_blank=True, help_text="Mã cơ quan (chuyển)")


class FeedbackActionAPI(APIView):
    permission_classes = [IsAuthenticated]
    action_name = ""

    @extend_schema(request=ActionIn, responses={200: StaffFeedbackOut})
    def post(self, request, pk):
        feedback = selectors.feedback_for_staff(request.user, pk)
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        text = data.validated_data.get("text", "")
        if self.action_name == "forward":
            to_agency = get_object_or_404(Agency, code=data.validated_data.get("to_agency", ""))
            feedback = services.feedback_forward(feedback=feedback, by=request.user, to_agency=to_agency, note=text)
        elif self.action_name == "refuse":
            feedback = services.feedback_refuse(feedback=feedback, by=request.user, reason=text)
        elif self.action_name == "request_info":
            feedback = services.feedback_request_info(feedback=feedback, by=request.user, request=text)
        elif self.action_name == "answer":
            feedback = services.feedback_answer(feedback=feedback, by=request.user, answer=text)
        else:
            feedback = services.feedback_publish(feedback=feedback, by=request.user)
        return Response(StaffFeedbackOut(feedback).data)


ACTION_VIEWS = {
    name: type(f"Feedback{name.title().replace('_', '')}API", (FeedbackActionAPI,), {"action_name": name})
    for name in ("forward", "refuse", "request_info", "answer", "publish")
}
