"""Forms of the dossier pages. They only parse and check input; the services in services.py decide."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, IdentityDocType, User
from accounts.roles import Role
from accounts.validators import normalize_phone, validate_identity_number, validate_phone
from procedures.models import Procedure

from .models import CopyKind, Delivery, Status
from .uploads import ALLOWED_EXTENSIONS


def delivery_choices(procedure: Procedure) -> list[tuple[str, str]]:
    """How the result may be delivered: the desk always; by post and online only where the procedure allows."""
    choices = [(Delivery.DESK.value, Delivery.DESK.label)]
    if procedure.postal_return:
        choices.append((Delivery.POSTAL.value, Delivery.POSTAL.label))
    if procedure.online_level == "toan_trinh":  # only a fully online service returns an electronic result
        choices.append((Delivery.ONLINE.value, Delivery.ONLINE.label))
    return choices


class StartForm(forms.Form):
    """The first choice of the journey: the case (trường hợp) and, where several agencies handle the
    procedure, where to file. A field with one possible answer is left out."""

    case = forms.ModelChoiceField(
        label=_("Trường hợp của bạn"), queryset=None, widget=forms.RadioSelect, empty_label=None,
        error_messages={"required": _("Hãy chọn trường hợp phù hợp với bạn."),
                        "invalid_choice": _("Trường hợp đã chọn không thuộc thủ tục này.")},
    )
    agency = forms.ModelChoiceField(
        label=_("Nơi nộp hồ sơ"), queryset=None, empty_label=_("— Chọn cơ quan —"),
        error_messages={"required": _("Hãy chọn cơ quan tiếp nhận hồ sơ."),
                        "invalid_choice": _("Cơ quan đã chọn không tiếp nhận thủ tục này.")},
    )

    def __init__(self, *args, cases, agencies, ask_case: bool, ask_agency: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["agency"].queryset = agencies
        if not ask_case:
            del self.fields["case"]
        if not ask_agency:
            del self.fields["agency"]


class ApplicantForm(forms.Form):
    """Step 2 of the journey: who applies and how the result comes back. Autosaved field by field."""

    applicant_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=150,
                                     widget=forms.TextInput(attrs={"autocomplete": "name"}))
    applicant_id_type = forms.ChoiceField(label=_("Loại giấy tờ tùy thân"), choices=IdentityDocType.choices)
    applicant_id_number = forms.CharField(label=_("Số giấy tờ"), max_length=20,
                                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    applicant_phone = forms.CharField(label=_("Số điện thoại di động"), max_length=15,
                                      help_text=_("Để nhận thông báo và tra cứu hồ sơ."),
                                      widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    applicant_email = forms.EmailField(label=_("Thư điện tử (không bắt buộc)"), required=False,
                                       widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    applicant_address = forms.CharField(label=_("Địa chỉ liên hệ"), max_length=255,
                                        widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    delivery = forms.ChoiceField(label=_("Hình thức nhận kết quả"), widget=forms.RadioSelect)

    def __init__(self, *args, procedure: Procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = delivery_choices(procedure)
        for field in self.fields.values():
            field.error_messages["required"] = _("Vui lòng nhập thông tin này.")
        self.fields["delivery"].error_messages["required"] = _("Hãy chọn cách nhận kết quả.")
        self.fields["delivery"].error_messages["invalid_choice"] = _(
            "Thủ tục này không trả kết quả theo hình thức đã chọn.")
        self.fields["applicant_id_type"].error_messages["invalid_choice"] = _("Loại giấy tờ tùy thân không hợp lệ.")
        self.fields["applicant_email"].error_messages["invalid"] = _("Địa chỉ thư điện tử không hợp lệ.")

    def clean_applicant_name(self):
        return " ".join(self.cleaned_data["applicant_name"].split())

    def clean_applicant_phone(self):
        phone = normalize_phone(self.cleaned_data["applicant_phone"])
        validate_phone(phone)
        return phone

    def clean(self):
        data = super().clean()
        id_type, id_number = data.get("applicant_id_type"), data.get("applicant_id_number")
        if id_type and id_number:
            id_number = id_number.strip().upper() if id_type == "passport" else id_number.strip()
            try:
                validate_identity_number(id_type, id_number)
            except ValidationError as exc:
                self.add_error("applicant_id_number", exc)
            else:
                data["applicant_id_number"] = id_number
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); each is checked by the upload service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    # The size and the real (sniffed) type are judged by the upload service, file by file.
    files = MultipleFileField(label=_("Chọn tệp"), required=False)
    copy_kind = forms.ChoiceField(label=_("Loại bản"), choices=CopyKind.choices, initial=CopyKind.PHOTOCOPY)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = ",".join(sorted(ALLOWED_EXTENSIONS))


class SupplementUploadForm(UploadForm):
    """A file sent in answer to a supplement request, filed under the required document it completes."""

    required_document = forms.ModelChoiceField(label=_("Thuộc giấy tờ"), queryset=None, required=False,
                                               empty_label=_("Giấy tờ khác theo yêu cầu"))

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_document"].queryset = documents
        self.fields["required_document"].error_messages["invalid_choice"] = _(
            "Giấy tờ đã chọn không thuộc hồ sơ này.")
        self.order_fields(["required_document", "files", "copy_kind"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do rút hồ sơ"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Hãy cho biết lý do rút hồ sơ.")},
    )


class TrackingForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=60,
                           help_text=_("In trên giấy tiếp nhận, ví dụ 000.00.06.H56-231027-0361."),
                           error_messages={"required": _("Hãy nhập mã hồ sơ.")},
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("Số điện thoại người nộp"), max_length=15,
                            help_text=_("Cả số hoặc 4 chữ số cuối."),
                            error_messages={"required": _("Hãy nhập số điện thoại hoặc 4 chữ số cuối.")},
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if not (re.fullmatch(r"\d{4}", phone) or re.fullmatch(r"0\d{9}", phone)):
            raise ValidationError(_("Nhập đủ số điện thoại (10 chữ số) hoặc đúng 4 chữ số cuối."))
        return phone


# --- staff -----------------------------------------------------------------------------------------------

DUE_WINDOWS = [
    ("", _("Mọi thời hạn")),
    ("overdue", _("Đã quá hạn")),
    ("8", _("Đến hạn trong 1 ngày làm việc")),
    ("24", _("Trong 3 ngày làm việc")),
    ("40", _("Trong 5 ngày làm việc")),
]


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Mã hồ sơ hoặc người nộp"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "accesskey": "s"}))
    procedure = forms.ModelChoiceField(label=_("Thủ tục"), queryset=None, required=False,
                                       empty_label=_("Mọi thủ tục"))
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    due = forms.ChoiceField(label=_("Thời hạn"), choices=DUE_WINDOWS, required=False)

    INBOX_STATUSES = (Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT,
                      Status.FINANCIAL, Status.RESULT_READY)
    AWAITING_APPROVAL = "awaiting_approval"  # a sub-step of "processing": the leader's queue

    def __init__(self, *args, procedures, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        self.fields["status"].choices = [
            ("", _("Mọi trạng thái")),
            *((s.value, s.label) for s in self.INBOX_STATUSES),
            (self.AWAITING_APPROVAL, _("Chờ lãnh đạo phê duyệt")),
        ]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("Giá trị lọc không hợp lệ.")


class NoteMixin(forms.Form):
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Giao cho"), queryset=None, empty_label=None,
                                      error_messages={"required": _("Hãy chọn người xử lý."),
                                                      "invalid_choice": _("Người được chọn không thuộc cơ quan.")})

    def __init__(self, *args, dossier, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(agency_id=dossier.current_agency_id, is_active=True,
                                    groups__name=Role.SPECIALIST).distinct().order_by("full_name", "username")
        self.fields["assignee"].queryset = staff
        self.fields["assignee"].initial = user.pk


class TransferForm(NoteMixin):
    """Hand over to a colleague of the same agency, or to another agency (liên thông), whose own staff
    then assign it: the person list is the current agency's, so it stays short."""

    to_agency = forms.ModelChoiceField(label=_("Chuyển đến cơ quan"), queryset=None,
                                       error_messages={"required": _("Hãy chọn cơ quan nhận."),
                                                       "invalid_choice": _("Cơ quan đã chọn không hợp lệ.")})
    to_user = forms.ModelChoiceField(label=_("Người nhận trong cơ quan đang xử lý (không bắt buộc)"), queryset=None,
                                     required=False,
                                     error_messages={"invalid_choice": _("Người nhận đã chọn không hợp lệ.")})

    def __init__(self, *args, dossier, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["to_agency"].initial = dossier.current_agency_id
        self.fields["to_user"].queryset = (
            User.objects.filter(is_active=True, agency_id=dossier.current_agency_id,
                                groups__name__in=[Role.SPECIALIST, Role.LEADER])
            .exclude(pk=user.pk).distinct().order_by("full_name", "username")
        )
        self.order_fields(["to_agency", "to_user", "note"])

    def clean(self):
        data = super().clean()
        to_agency, to_user = data.get("to_agency"), data.get("to_user")
        if to_agency and to_user and to_user.agency_id != to_agency.pk:
            self.add_error("to_user", _("Người nhận phải thuộc cơ quan được chọn; khi chuyển liên thông, "
                                        "hãy để trống để cơ quan nhận tự phân công."))
        return data


class SendForApprovalForm(NoteMixin):
    result_summary = forms.CharField(label=_("Trích yếu kết quả"), max_length=500,
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     error_messages={"required": _("Hãy tóm tắt kết quả giải quyết.")})
    field_order = ["result_summary", "note"]


class ApproveForm(NoteMixin):
    pass


class SendBackForm(forms.Form):
    note = forms.CharField(label=_("Lý do trả lại"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Hãy nêu lý do trả lại để chuyên viên xử lý tiếp.")})


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Lý do dừng xử lý"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Hãy nêu lý do dừng xử lý.")})
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), max_length=500, required=False)


class DelayForm(forms.Form):
    """The apology and new appointment (form 04): the calendar computes the date from the extra working days."""

    reason = forms.CharField(label=_("Lý do chậm trả kết quả"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Hãy nêu lý do chậm trả kết quả.")})
    extra_working_days = forms.DecimalField(
        label=_("Số ngày làm việc cần thêm"), min_value=Decimal("0.5"), max_value=250, decimal_places=1,
        help_text=_("Ngày hẹn mới được tính theo lịch làm việc; ngày hẹn ban đầu vẫn được giữ để thống kê."),
        error_messages={"required": _("Hãy nhập số ngày làm việc cần thêm."),
                        "invalid": _("Số ngày làm việc không hợp lệ."),
                        "min_value": _("Ít nhất 0,5 ngày làm việc.")})


class FinancialForm(NoteMixin):
    amount_vnd = forms.IntegerField(label=_("Số tiền phải nộp (đồng)"), min_value=1, max_value=10**13,
                                    error_messages={"required": _("Hãy nhập số tiền."),
                                                    "invalid": _("Số tiền phải là số nguyên (đồng)."),
                                                    "min_value": _("Số tiền phải lớn hơn 0.")})
    field_order = ["amount_vnd", "note"]


class EmptyForm(forms.Form):
    """Actions with no input (accept, financial obligation fulfilled)."""


class SupplementItemForm(forms.Form):
    # An empty row is skipped; a row with only one of the two is a mistake (required error on the other).
    document = forms.CharField(label=_("Giấy tờ cần bổ sung"), max_length=500,
                               error_messages={"required": _("Hãy nêu tên giấy tờ cần bổ sung.")})
    reason = forms.CharField(label=_("Lý do, nội dung cần hoàn thiện"), max_length=1000,
                             error_messages={"required": _("Hãy nêu lý do cần bổ sung.")})


class BaseSupplementFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.items():
            raise ValidationError(_("Hãy nêu ít nhất một giấy tờ cần bổ sung và lý do."))

    def items(self) -> list[dict]:
        return [
            {"document": f.cleaned_data["document"].strip(), "reason": f.cleaned_data["reason"].strip()}
            for f in self.forms
            if f.is_valid() and f.cleaned_data.get("document")
        ]


SupplementFormSet = forms.formset_factory(SupplementItemForm, formset=BaseSupplementFormSet, extra=3, max_num=20)
