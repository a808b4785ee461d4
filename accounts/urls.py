from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    # National single sign-on (OIDC); 404 unless OIDC_ENABLED.
    path("vneid/", oidc.oidc_login, name="oidc-login"),
    path("vneid/callback/", oidc.oidc_callback, name="oidc-callback"),
]
