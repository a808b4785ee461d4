from django.conf import settings
from django.utils.translation import gettext_lazy as _


def portal(request):
    user = getattr(request, "user", None)
    return {
        "portal_name": _("Cổng Dịch vụ công Một Cửa"),
        "user_roles": user.roles if user is not None and user.is_authenticated else frozenset(),
        "oidc_enabled": settings.OIDC_ENABLED,
    }
