"""Reads on ratings and feedback: what each person may see. No writes here."""

from __future__ import annotations

import hmac

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import scope_agency_ids
from accounts.roles import Role
from accounts.validators import normalize_phone
from dossiers.models import Dossier, Status

from .models import OPEN_FEEDBACK_STATUSES, Feedback, FeedbackStatus, Notice, Rating

STAFF = (Role.CLERK, Role.SPECIALIST, Role.LEADER, Role.ADMIN)


def dossier_by_token(token: str) -> Dossier | None:
    """The dossier behind a rating link or the receipt's QR (the tracking token is the secret)."""
    token = (token or "").strip()
    if not token or len(token) > 40:
        return None
    return (Dossier.objects.exclude(status=Status.DRAFT).select_related("procedure", "receiving_agency")
            .filter(tracking_token=token).first())


def rating_of(dossier: Dossier) -> Rating | None:
    return Rating.objects.filter(dossier=dossier).first()


def kiosk_dossier(user: User, code: str) -> Dossier | None:
    """A dossier of the kiosk's agency (its receiving desk), found by its code."""
    code = (code or "").strip().upper()
    if not code or len(code) > 60:
        return None
    scope = scope_agency_ids(user)
    qs = Dossier.objects.select_related("procedure", "receiving_agency").filter(code=code)
    if scope is not None:
        qs = qs.filter(receiving_agency_id__in=scope)
    return qs.first()


def _contact_matches(feedback: Feedback, contact: str) -> bool:
    contact = (contact or "").strip()
    if not contact:
        return False
    if "@" in contact:
        return bool(feedback.sender_email) and hmac.compare_digest(feedback.sender_email.lower(), contact.lower())
    phone = normalize_phone(contact)
    return bool(feedback.sender_phone) and phone.isdigit() and hmac.compare_digest(feedback.sender_phone, phone)


def feedback_lookup(code: str, contact: str) -> Feedback | None:
    """The feedback with this code whose sender left this phone or e-mail; None for a wrong code or contact
    alike (the page must not reveal which codes exist)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    feedback = Feedback.objects.select_related("agency", "procedure").filter(code=code).first()
    if feedback is None or not _contact_matches(feedback, contact):
        return None
    return feedback


def published_feedback() -> QuerySet[Feedback]:
    """Answers made public with the sender's consent, newest first; the sender's contact never shown."""
    return (Feedback.objects.filter(status=FeedbackStatus.PUBLISHED, allow_publish=True)
            .select_related("agency", "procedure").order_by("-published_at", "-id"))


def _require_staff(user: User) -> None:
    if not (user.is_authenticated and (user.is_superuser or user.has_role(*STAFF))):
        raise PermissionDenied(_("Trang này dành cho cán bộ, công chức."))


def feedback_inbox(user: User, *, status: str | None = None, q: str = "") -> QuerySet[Feedback]:
    """Feedback handled by the user's agencies, open ones first by their answer deadline."""
    _require_staff(user)
    scope = scope_agency_ids(user)
    qs = Feedback.objects.select_related("agency", "procedure", "dossier")
    if scope is not None:
        qs = qs.filter(agency_id__in=scope)
    if status == "open":
        qs = qs.filter(status__in=OPEN_FEEDBACK_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(code__iexact=q) | Q(title__icontains=q) | Q(sender_name__icontains=q))
    return qs.order_by("answer_due_at", "-received_at", "-id")


def feedback_for_staff(user: User, pk: int) -> Feedback:
    _require_staff(user)
    feedback = (Feedback.objects.select_related("agency", "first_agency", "procedure", "dossier", "follow_up_of")
                .filter(pk=pk).first())
    if feedback is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    scope = scope_agency_ids(user)
    if scope is not None and feedback.agency_id not in scope:
        raise PermissionDenied(_("Phản ánh, kiến nghị này không thuộc phạm vi cơ quan của bạn."))
    return feedback


def notices_for(user: User, *, unread_only: bool = False) -> QuerySet[Notice]:
    qs = Notice.objects.filter(recipient=user).select_related("rating__dossier", "feedback")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def ratings_for(user: User, *, level: int | None = None) -> QuerySet[Rating]:
    """Ratings of the leader's agencies (with comments), newest first."""
    if not (user.is_authenticated and (user.is_superuser or user.has_role(Role.LEADER, Role.ADMIN))):
        raise PermissionDenied(_("Trang này dành cho lãnh đạo."))
    scope = scope_agency_ids(user)
    qs = Rating.objects.select_related("dossier", "agency", "procedure", "clerk")
    if scope is not None:
        qs = qs.filter(agency_id__in=scope)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("-created_at", "-id")
