import math
import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle
from .models import User
from .validators import normalize_phone, validate_cccd, validate_phone


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Số điện thoại, thư điện tử hoặc tên đăng nhập"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("Thông tin đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }
    throttled = False

    def clean(self):
        login = self.cleaned_data.get("username") or ""
        if self.request is not None and login:
            wait = throttle.seconds_blocked(self.request, login)
            if wait:
                self.throttled = True
                minutes = math.ceil(wait / 60)
                raise forms.ValidationError(
                    ngettext(
                        "Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
                        "Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
                        minutes,
                    ) % {"minutes": minutes},
                    code="throttled",
                )
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if self.request is not None and exc.code == "invalid_login":
                throttle.record_failure(self.request, login)
            raise


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20,
                            help_text=_("Ví dụ: 0912345678 hoặc +84 912 345 678."),
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=_("Thư điện tử (không bắt buộc)"), required=False,
                             error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).")},
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # Longer than 12 so "038 090 012 345" as printed on the card is accepted and normalised.
    cccd = forms.CharField(label=_("Số CCCD (12 chữ số)"), max_length=20,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    password1 = forms.CharField(label=_("Mật khẩu"), strip=False,
                                help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá giống họ tên."),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False,
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
        cccd = re.sub(r"[\s.]", "", self.cleaned_data["cccd"])
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
