"""The unread-alert count in the header of every staff page (one indexed COUNT, only when rendered)."""

from django.utils.functional import SimpleLazyObject


def alerts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_portal_staff:
        return {}
    from .alerts import unread_count

    return {"unread_alert_count": SimpleLazyObject(lambda: unread_count(user))}
