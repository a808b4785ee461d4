"""Forms of the rating and feedback pages. Validation of meaning stays in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from procedures.models import Procedure

from .models import CRITERIA, CRITERION_POINTS, FeedbackKind, FeedbackTopic, RatingLevel


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Ông/bà có hài lòng với việc giải quyết hồ sơ?"), coerce=int, widget=forms.RadioSelect,
        choices=[(level.value, level.label) for level in RatingLevel],
        error_messages={"required": _("Hãy chọn mức độ hài lòng.")},
    )
    comment = forms.CharField(label=_("Góp ý (không bắt buộc)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, with_criteria=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_criteria:
            for key, label in CRITERIA:
                self.fields[f"c{key}"] = forms.TypedChoiceField(
                    label=label, required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
                    choices=[(points, f"{text} ({points})") for points, text in CRITERION_POINTS])

    @property
    def criteria_fields(self):
        return [self[f"c{key}"] for key, _label in CRITERIA if f"c{key}" in self.fields]

    def clean(self):
        data = super().clean()
        given = {key: data.get(f"c{key}") for key, _label in CRITERIA if f"c{key}" in self.fields}
        answered = [v for v in given.values() if v is not None]
        if answered and len(answered) != len(given):
            raise forms.ValidationError(_("Phần đánh giá theo tiêu chí: hãy chấm đủ 9 tiêu chí hoặc bỏ trống cả phần."))
        data["criteria"] = given if answered else {}
        return data


class DossierLookupForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=60,
                           help_text=_("In trên giấy tiếp nhận và hẹn trả kết quả."))
    phone = forms.CharField(label=_("Số điện thoại của người nộp"), max_length=15,
                            help_text=_("Số đầy đủ hoặc 4 số cuối."))


class KioskForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=60,
                           help_text=_("Quét mã vạch trên giấy biên nhận trả kết quả hoặc nhập mã hồ sơ."))


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=FeedbackKind.choices, widget=forms.RadioSelect,
                             initial=FeedbackKind.REPORT)
    topic = forms.ChoiceField(label=_("Nội dung liên quan đến"), choices=FeedbackTopic.choices,
                              initial=FeedbackTopic.SERVICE)
    agency = forms.ModelChoiceField(label=_("Cơ quan nhận phản ánh"), required=False,
                                    queryset=Agency.objects.filter(is_active=True).order_by("name"),
                                    empty_label=_("— Để cơ quan đầu mối chuyển đến nơi có thẩm quyền —"))
    procedure = forms.ModelChoiceField(label=_("Thủ tục hành chính (nếu có)"), required=False,
                                       queryset=Procedure.objects.filter(is_active=True).order_by("name"),
                                       empty_label=_("— Không gắn với thủ tục cụ thể —"))
    dossier_code = forms.CharField(label=_("Mã hồ sơ (nếu phản ánh về một hồ sơ)"), required=False, max_length=60,
                                   help_text=_("Cần đúng số điện thoại người nộp hồ sơ ở dưới."))
    title = forms.CharField(label=_("Tiêu đề"), max_length=255)
    content = forms.CharField(label=_("Nội dung"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    sender_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    sender_phone = forms.CharField(label=_("Số điện thoại"), max_length=15, required=False)
    sender_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    sender_address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)
    allow_publish = forms.BooleanField(
        label=_("Tôi đồng ý công khai nội dung phản ánh và kết quả trả lời (không công khai họ tên, liên hệ)"),
        required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].label_from_instance = lambda p: f"{p.code} — {p.name[:100]}"


class FeedbackLookupForm(forms.Form):
    code = forms.CharField(label=_("Mã phản ánh, kiến nghị"), max_length=20)
    contact = forms.CharField(label=_("Số điện thoại hoặc thư điện tử đã để lại"), max_length=254)


class ProvideInfoForm(forms.Form):
    content = forms.CharField(label=_("Thông tin bổ sung"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class RateAnswerForm(forms.Form):
    satisfied = forms.TypedChoiceField(label=_("Ông/bà có hài lòng với kết quả trả lời?"), coerce=lambda v: v == "1",
                                       widget=forms.RadioSelect,
                                       choices=[("1", _("Hài lòng")), ("0", _("Không hài lòng"))])


# ----- staff ------------------------------------------------------------------------------------------------

class ForwardForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("Chuyển đến cơ quan"),
                                       queryset=Agency.objects.filter(is_active=True).order_by("name"))
    note = forms.CharField(label=_("Lý do chuyển"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    text = forms.CharField(label=_("Nội dung"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
