"""Test-only URLconf: the portal plus django-oauth-toolkit's OIDC provider under /o/ (the in-suite VNeID)."""

from django.urls import include, path

from config.urls import urlpatterns as portal

urlpatterns = [
    *portal,
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
