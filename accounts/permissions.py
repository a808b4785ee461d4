"""Agency scoping: who may see and act on what. Every staff view and endpoint goes through here."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from .models import Agency, User
from .roles import Role


def agency_subtree_ids(agency_id: int | None) -> set[int]:
    """The agency and every agency below it (one query per level; the tree is shallow: ≤ 4 levels)."""
    if agency_id is None:
        return set()
    ids, frontier = {agency_id}, {agency_id}
    while frontier:
        frontier = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return ids


def scope_agency_ids(user: User) -> set[int] | None:
    """Agencies whose records the user may see. ``None`` means every agency (portal administrators)."""
    if user.is_superuser or (user.has_role(Role.ADMIN) and user.agency_id is None):
        return None
    if user.has_role(Role.LEADER, Role.ADMIN):
        return agency_subtree_ids(user.agency_id)
    return {user.agency_id} if user.agency_id else set()


def in_scope(user: User, agency_id: int | None) -> bool:
    scope = scope_agency_ids(user)
    return scope is None or agency_id in scope


def require_role(user: User, roles: Iterable[str]) -> None:
    if not user.is_authenticated or not user.has_role(*roles):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))


def require_scope(user: User, agency_id: int | None) -> None:
    if not in_scope(user, agency_id):
        raise PermissionDenied(_("Hồ sơ này không thuộc phạm vi cơ quan của bạn."))


class HasRole(BasePermission):
    """DRF permission: ``permission_classes = [HasRole.of(Role.CLERK, Role.SPECIALIST)]``."""

    roles: tuple[str, ...] = ()
    message = "Bạn không có quyền thực hiện thao tác này."

    @classmethod
    def of(cls, *roles: str):
        return type("HasRole", (cls,), {"roles": roles})

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_role(*self.roles))


class RoleRequiredMixin:
    """Class-based views: ``roles = (Role.CLERK,)``; anonymous users go to the login page."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require_role(request.user, self.roles)
        return super().dispatch(request, *args, **kwargs)
