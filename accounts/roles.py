from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are Django groups with these names."""

    CITIZEN = "citizen", _("Công dân")
    CLERK = "clerk", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    ADMIN = "admin", _("Quản trị")


STAFF_ROLES = frozenset({Role.CLERK, Role.SPECIALIST, Role.LEADER, Role.ADMIN})
