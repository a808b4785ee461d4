"""API input and output shapes, one pair per operation. No business rule lives here: services decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Agency, IdentityDocType, User
from procedures.models import ProcedureCase, RequiredDocument

from . import deadlines, selectors, workflow
from .models import (
    Attachment,
    CopyKind,
    Delivery,
    Dossier,
    Extension,
    ExtensionKind,
    Pause,
    Status,
    StepLog,
)

# ----- output --------------------------------------------------------------------------------------------------


class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name"]


class UserBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


class ProcedureBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatusMixin(serializers.Serializer):
    status_label = serializers.CharField(source="get_status_display")
    national_status_id = serializers.IntegerField(allow_null=True)
    substep_label = serializers.CharField(source="get_substep_display")


class DossierListSerializer(StatusMixin, serializers.ModelSerializer):
    """A row of the staff inbox."""

    procedure = ProcedureBriefSerializer()
    receiving_agency = AgencyBriefSerializer()
    current_agency = AgencyBriefSerializer()
    assignee = UserBriefSerializer(allow_null=True)
    working_seconds_left = serializers.SerializerMethodField(
        help_text="Giây làm việc còn lại đến ngày hẹn trả (âm: đã quá hạn); null khi chưa có ngày hẹn.")
    urgency = serializers.SerializerMethodField(help_text="late / near / ok / paused / none")

    class Meta:
        model = Dossier
        fields = ["id", "code", "procedure", "applicant_name", "channel", "status", "status_label",
                  "national_status_id", "substep", "substep_label", "receiving_agency", "current_agency",
                  "assignee", "submitted_at", "received_at", "due_at", "original_due_at", "step_due_at",
                  "working_seconds_left", "urgency"]

    def get_working_seconds_left(self, obj) -> int | None:
        return selectors.time_left(obj, self.context.get("now"))

    def get_urgency(self, obj) -> str:
        return selectors.urgency(obj, self.context.get("now"))


class MyDossierSerializer(StatusMixin, serializers.ModelSerializer):
    """A row of the citizen's "my dossiers"."""

    procedure = ProcedureBriefSerializer()
    receiving_agency = AgencyBriefSerializer()

    class Meta:
        model = Dossier
        fields = ["id", "code", "procedure", "status", "status_label", "national_status_id", "substep",
                  "substep_label", "receiving_agency", "created_at", "submitted_at", "received_at", "due_at",
                  "completed_at", "returned_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    required_document_name = serializers.CharField(source="required_document.name", default="", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "required_document", "required_document_name", "original_name", "content_type", "size",
                  "sha256", "copy_kind", "reused", "uploaded_at"]


class StepLogSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    by = UserBriefSerializer(allow_null=True)
    to_user = UserBriefSerializer(allow_null=True)
    from_agency = AgencyBriefSerializer(allow_null=True)
    to_agency = AgencyBriefSerializer(allow_null=True)

    class Meta:
        model = StepLog
        fields = ["id", "action", "action_label", "from_status", "to_status", "by", "to_user", "from_agency",
                  "to_agency", "at", "step_due_at", "note", "facts"]

    def get_action_label(self, obj) -> str:
        return workflow.action_label(obj.action)


class PauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pause
        fields = ["started_at", "ended_at", "at_reception", "items"]


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extension
        fields = ["id", "kind", "previous_due_at", "new_due_at", "reason", "created_at"]


class DossierDetailSerializer(DossierListSerializer):
    """A dossier as its owner or an in-scope staff member sees it; ``allowed_actions`` are the buttons."""

    case = serializers.PrimaryKeyRelatedField(read_only=True)
    attachments = AttachmentSerializer(many=True, source="attachments_list")
    steps = StepLogSerializer(many=True, source="steps_list")
    pauses = PauseSerializer(many=True, source="pauses_list")
    extensions = ExtensionSerializer(many=True, source="extensions_list")
    allowed_actions = serializers.SerializerMethodField()

    class Meta(DossierListSerializer.Meta):
        fields = [*DossierListSerializer.Meta.fields, "case", "procedure_version", "time_limit", "time_unit",
                  "applicant_id_type", "applicant_id_number", "applicant_phone", "applicant_email",
                  "applicant_address", "summary", "delivery", "confirm_due_at", "completed_at", "returned_at",
                  "supplement_count", "processing_supplement_count", "fee_due_vnd", "fee_paid_vnd",
                  "fee_receipt_number", "result_summary", "outcome_reason", "outcome_legal_basis",
                  "collected_by_name", "postal_tracking_number", "attachments", "steps", "pauses", "extensions",
                  "allowed_actions"]

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return workflow.allowed_actions(request.user, obj) if request else []


# ----- public tracking (no personal data: no names, phones, notes or staff) -------------------------------------


class TrackingStepSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.SerializerMethodField()
    status = serializers.CharField(source="to_status")
    status_label = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    from_agency = serializers.CharField(source="from_agency.name", default=None)
    to_agency = serializers.CharField(source="to_agency.name", default=None)

    def get_label(self, obj) -> str:
        return workflow.action_label(obj.action)

    def get_status_label(self, obj) -> str:
        return str(Status(obj.to_status).label) if obj.to_status in Status.values else obj.to_status


class AppointmentSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    date = serializers.DateField()
    weekday = serializers.CharField(help_text="Thứ Hai … Chủ Nhật")
    display = serializers.CharField(help_text="Thứ Sáu, 03/11/2023 09:32")
    working_days_left = serializers.IntegerField(
        allow_null=True, help_text="Số ngày làm việc từ ngày mai đến ngày hẹn (0: hẹn hôm nay; âm: số ngày trễ).")
    is_late = serializers.BooleanField()


class TrackingSerializer(serializers.Serializer):
    code = serializers.CharField()
    procedure = ProcedureBriefSerializer()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    national_status_id = serializers.IntegerField(allow_null=True)
    substep_label = serializers.CharField(source="get_substep_display")
    receiving_agency = serializers.CharField(source="receiving_agency.name")
    current_agency = serializers.CharField(source="current_agency.name")
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    appointment = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    timeline = TrackingStepSerializer(many=True)

    def get_appointment(self, obj) -> AppointmentSerializer:
        if obj.due_at is None:
            return None
        now = self.context.get("now")
        local = deadlines.localize(obj.due_at)
        if obj.completed_at is not None:
            late, days_left = obj.completed_at > obj.due_at, None
        else:
            late, days_left = (selectors.time_left(obj, now) or 0) < 0, selectors.working_days_left(obj, now)
        return AppointmentSerializer({
            "at": obj.due_at,
            "date": local.date(),
            "weekday": deadlines.weekday_vn(local),
            "display": deadlines.format_vn(local),
            "working_days_left": days_left,
            "is_late": late,
        }).data


# ----- input ----------------------------------------------------------------------------------------------------


class ApplicantInputMixin(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(choices=IdentityDocType.choices, required=False)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)

    APPLICANT_KEYS = ("name", "id_type", "id_number", "phone", "email", "address")

    def applicant(self) -> dict:
        return {k: self.validated_data[k] for k in self.APPLICANT_KEYS if k in self.validated_data}


class DossierCreateInput(ApplicantInputMixin):
    """Multipart: also one or more files per required document, under ``doc_<required document id>``."""

    procedure = serializers.CharField(help_text=_("Mã thủ tục, ví dụ 1.001193"))
    case = serializers.PrimaryKeyRelatedField(queryset=ProcedureCase.objects.all(), required=False, allow_null=True)
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(is_active=True),
                                          required=False, allow_null=True,
                                          help_text=_("Mã định danh của cơ quan tiếp nhận"))
    delivery = serializers.ChoiceField(choices=Delivery.choices, default=Delivery.DESK)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DossierUpdateInput(ApplicantInputMixin):
    case = serializers.PrimaryKeyRelatedField(queryset=ProcedureCase.objects.all(), required=False, allow_null=True)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    required_document = serializers.PrimaryKeyRelatedField(queryset=RequiredDocument.objects.all(), required=False,
                                                           allow_null=True)
    copy_kind = serializers.ChoiceField(choices=CopyKind.choices, default=CopyKind.PHOTOCOPY)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ChecklistItemInput(serializers.Serializer):
    required_document = serializers.PrimaryKeyRelatedField(queryset=RequiredDocument.objects.all(), required=False,
                                                           allow_null=True)
    name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    originals = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    certified_copies = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    photocopies = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class ReceiveInput(serializers.Serializer):
    checklist = ChecklistItemInput(many=True, required=False, allow_null=True, default=None)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False, allow_null=True, default=None)
    case = serializers.PrimaryKeyRelatedField(queryset=ProcedureCase.objects.all(), required=False, allow_null=True,
                                              default=None)
    to_agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(is_active=True),
                                             required=False, allow_null=True, default=None)


class SupplementItemInput(serializers.Serializer):
    document = serializers.CharField(max_length=500)
    reason = serializers.CharField(max_length=2000)


class RequestSupplementInput(NoteInput):
    items = SupplementItemInput(many=True, allow_empty=False)


class RefuseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    legal_basis = serializers.CharField(max_length=500)


def _staff_queryset():
    return User.objects.filter(is_active=True, agency__isnull=False)


class AssignInput(NoteInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=_staff_queryset())


class TransferInput(NoteInput):
    to_agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.filter(is_active=True))
    to_user = serializers.PrimaryKeyRelatedField(queryset=_staff_queryset(), required=False, allow_null=True,
                                                 default=None)


class SendForApprovalInput(NoteInput):
    result_summary = serializers.CharField(max_length=500)
    to_user = serializers.PrimaryKeyRelatedField(queryset=_staff_queryset(), required=False, allow_null=True,
                                                 default=None)


class SendBackInput(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class RequestFinancialInput(NoteInput):
    amount_vnd = serializers.IntegerField(min_value=1)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class StopInput(ReasonInput):
    legal_basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnResultInput(NoteInput):
    collected_by_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    collected_by_id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    on_behalf = serializers.BooleanField(default=False)
    postal_tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ExtendInput(serializers.Serializer):
    new_due_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=4000)
    kind = serializers.ChoiceField(choices=ExtensionKind.choices, default=ExtensionKind.APOLOGY)


class RecordFeeInput(serializers.Serializer):
    amount_vnd = serializers.IntegerField(min_value=0)
    receipt_number = serializers.CharField(max_length=60)


class InboxQuery(serializers.Serializer):
    procedure = serializers.CharField(required=False, allow_blank=True, help_text=_("Mã thủ tục"))
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    substep = serializers.CharField(required=False, allow_blank=True)
    due_within_hours = serializers.FloatField(required=False, min_value=0, max_value=24 * 365,
                                              help_text=_("Hạn trả trong vòng N giờ làm việc (kể cả đã quá hạn)"))
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text=_("Mã hồ sơ, tên, số điện thoại hoặc số giấy tờ của người nộp"))


class DossierErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)

