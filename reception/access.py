"""Who may use the desk: clerks (Role.CLERK) attached to an agency; the desk works on that agency only."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.permissions import require_role
from accounts.roles import Role

DESK_ROLES = (Role.CLERK,)


def clerk_required(view):
    """Anonymous → login page; a signed-in user without the clerk role or without an agency → 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require_role(request.user, DESK_ROLES)
        if request.user.agency_id is None:
            raise PermissionDenied(_("Tài khoản của bạn chưa được gán cơ quan; hãy liên hệ quản trị."))
        return view(request, *args, **kwargs)

    return wrapper
