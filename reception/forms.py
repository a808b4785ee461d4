"""Forms of the desk. They parse and check input; reception.services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.forms import ApplicantForm, MultipleFileField
from dossiers.models import Channel, CopyKind
from procedures.models import Procedure, RequiredDocument

from .services import MAX_COPIES, ChecklistEntry, Outcome, Upload

APPLICANT_FIELDS = ("applicant_id_number", "applicant_id_type", "applicant_name", "applicant_phone",
                    "applicant_email", "applicant_address")

OUTCOME_CHOICES = [
    (Outcome.RECEIVE, _("Tiếp nhận — hồ sơ đầy đủ, hợp lệ (in giấy tiếp nhận, hẹn trả)")),
    (Outcome.SUPPLEMENT, _("Yêu cầu bổ sung — nêu mọi giấy tờ thiếu hoặc sai, một lần (in phiếu 02)")),
    (Outcome.REFUSE, _("Từ chối tiếp nhận — nêu lý do và căn cứ pháp lý (in phiếu 03)")),
]
OUTCOME_ACCESSKEYS = {Outcome.RECEIVE: "r", Outcome.SUPPLEMENT: "b", Outcome.REFUSE: "x"}


class ApplicantDeskForm(ApplicantForm):
    """The applicant as the citizen's form has it (one place for the rules), ID number first: it drives
    the lookup of earlier dossiers."""

    field_order = ["applicant_id_number", "applicant_id_type", "applicant_name", "applicant_phone",
                   "applicant_email", "applicant_address", "delivery"]

    def __init__(self, *args, procedure: Procedure, **kwargs):
        super().__init__(*args, procedure=procedure, **kwargs)
        self.fields["applicant_name"].label = _("Họ và tên người nộp")
        self.fields["applicant_phone"].help_text = ""
        self.fields["applicant_id_number"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["delivery"].initial = "desk"

    def applicant(self) -> dict:
        d = self.cleaned_data
        return {"name": d["applicant_name"], "id_type": d["applicant_id_type"], "id_number": d["applicant_id_number"],
                "phone": d["applicant_phone"], "email": d.get("applicant_email") or "",
                "address": d["applicant_address"]}


class DecisionFields(forms.Form):
    outcome = forms.ChoiceField(label=_("Kết quả kiểm tra hồ sơ"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect,
                                error_messages={"required": _("Hãy chọn một trong ba kết quả: tiếp nhận, yêu cầu bổ "
                                                              "sung hoặc từ chối.")})
    refuse_reason = forms.CharField(label=_("Lý do từ chối"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    refuse_legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), required=False, max_length=500,
                                         help_text=_("Ví dụ: khoản 2 Điều 16 Nghị định 118/2025/NĐ-CP."))


class IntakeForm(ApplicantDeskForm, DecisionFields):
    channel = forms.ChoiceField(label=_("Kênh nộp"), widget=forms.RadioSelect, initial=Channel.DESK,
                                choices=[(Channel.DESK.value, Channel.DESK.label),
                                         (Channel.POSTAL.value, Channel.POSTAL.label)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The applicant form words every "required" alike; the outcome has its own sentence.
        self.fields["outcome"].error_messages["required"] = DecisionFields.base_fields["outcome"].error_messages[
            "required"]


class CheckForm(DecisionFields):
    delivery = forms.ChoiceField(label=_("Hình thức nhận kết quả"), widget=forms.RadioSelect)

    def __init__(self, *args, procedure: Procedure, **kwargs):
        from dossiers.forms import delivery_choices

        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = delivery_choices(procedure)


class ChecklistRowForm(forms.Form):
    """One required document: ticked as received with its counts, its scans, or the reason it is not right."""

    received = forms.BooleanField(label=_("Đã nhận"), required=False)
    originals = forms.IntegerField(label=_("Bản chính"), min_value=0, max_value=MAX_COPIES, initial=0, required=False)
    certified_copies = forms.IntegerField(label=_("Bản sao chứng thực"), min_value=0, max_value=MAX_COPIES, initial=0,
                                          required=False)
    photocopies = forms.IntegerField(label=_("Bản chụp"), min_value=0, max_value=MAX_COPIES, initial=0,
                                     required=False)
    problem = forms.CharField(label=_("Thiếu hoặc sai — lý do cần bổ sung"), required=False, max_length=1000)
    files = MultipleFileField(label=_("Bản quét"), required=False)
    copy_kind = forms.ChoiceField(label=_("Loại bản quét"), choices=CopyKind.choices, initial=CopyKind.PHOTOCOPY,
                                  required=False)

    def __init__(self, *args, document: RequiredDocument, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        if not self.is_bound:
            # The catalog says how many of each are expected; the clerk only corrects the exceptions.
            self.initial.update(originals=document.originals, certified_copies=document.copies)

    def entry(self) -> ChecklistEntry:
        d = self.cleaned_data
        return ChecklistEntry(name=self.document.name, required_document=self.document, received=d["received"],
                              originals=d["originals"] or 0, certified_copies=d["certified_copies"] or 0,
                              photocopies=d["photocopies"] or 0, problem=(d["problem"] or "").strip())

    def uploads(self) -> list[Upload]:
        kind = self.cleaned_data.get("copy_kind") or CopyKind.PHOTOCOPY
        return [Upload(file=f, required_document=self.document, copy_kind=kind) for f in self.cleaned_data["files"]]


def checklist_forms(documents, data=None, files=None) -> list[ChecklistRowForm]:
    return [ChecklistRowForm(data, files, document=doc, prefix=f"doc{doc.pk}") for doc in documents]


class ExtraItemForm(forms.Form):
    document = forms.CharField(label=_("Giấy tờ khác cần bổ sung"), required=False, max_length=500)
    reason = forms.CharField(label=_("Lý do"), required=False, max_length=1000)


ExtraItemFormSet = forms.formset_factory(ExtraItemForm, extra=2, max_num=20)


class FeeForm(forms.Form):
    amount_vnd = forms.IntegerField(label=_("Số tiền đã thu (đồng)"), min_value=0, max_value=10**13,
                                    error_messages={"required": _("Hãy nhập số tiền đã thu."),
                                                    "invalid": _("Số tiền phải là số nguyên (đồng)."),
                                                    "min_value": _("Số tiền không được âm.")},
                                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    receipt_number = forms.CharField(label=_("Số biên lai"), max_length=60,
                                     error_messages={"required": _("Hãy nhập số biên lai.")})


class ReturnForm(forms.Form):
    DESK, POST = "desk", "postal"
    how = forms.ChoiceField(label=_("Cách trả kết quả"), widget=forms.RadioSelect,
                            choices=[(DESK, _("Trao tại quầy")), (POST, _("Gửi qua bưu chính công ích"))])
    collected_by_name = forms.CharField(label=_("Họ tên người nhận"), required=False, max_length=150)
    collected_by_id_number = forms.CharField(label=_("Số giấy tờ tùy thân người nhận"), required=False, max_length=20)
    on_behalf = forms.BooleanField(label=_("Nhận thay người nộp (có giấy ủy quyền)"), required=False)
    postal_tracking_number = forms.CharField(label=_("Số hiệu bưu gửi"), required=False, max_length=60)

    def clean(self):
        data = super().clean()
        if data.get("how") == self.DESK:
            data["postal_tracking_number"] = ""
            if not data.get("collected_by_name"):
                self.add_error("collected_by_name", _("Hãy ghi họ tên người nhận kết quả."))
            if not data.get("collected_by_id_number"):
                self.add_error("collected_by_id_number", _("Hãy ghi số giấy tờ tùy thân của người nhận."))
        elif data.get("how") == self.POST:
            data.update(collected_by_name="", collected_by_id_number="", on_behalf=False)
            if not data.get("postal_tracking_number"):
                self.add_error("postal_tracking_number", _("Hãy nhập số hiệu bưu gửi."))
        return data


class CitizenLookupForm(forms.Form):
    q = forms.CharField(label=_("Số điện thoại hoặc số CCCD của công dân"), max_length=20,
                        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "type": "search"}),
                        error_messages={"required": _("Hãy nhập số điện thoại hoặc số CCCD.")})
