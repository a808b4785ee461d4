from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import normalize_phone, validate_cccd, validate_phone


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Số điện thoại, thư điện tử hoặc tên đăng nhập"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Thông tin đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=15,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=_("Thư điện tử (không bắt buộc)"), required=False)
    cccd = forms.CharField(label=_("Số CCCD (12 chữ số)"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    password1 = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_phone(phone)
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("Số điện thoại này đã được đăng ký."))
        return phone

    def clean_email(self):
        email = self.cleaned_data.get("email", "").strip()
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Thư điện tử này đã được đăng ký."))
        return email

    def clean_cccd(self):
        cccd = self.cleaned_data["cccd"].strip()
        validate_cccd(cccd)
        if User.objects.filter(cccd=cccd).exists():
            raise forms.ValidationError(_("Số CCCD này đã có tài khoản."))
        return cccd

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(full_name=data.get("full_name", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
