"""Rating and feedback pages: the citizen's (link/QR, lookup, kiosk) and the staff's (feedback inbox).

Thin: forms in, services called, DomainError shown as a form error. Public lookups are rate-limited per IP
and need a second factor (the phone on the dossier; the phone or e-mail the feedback left).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.errors import DomainError
from accounts.permissions import in_scope, require_role
from accounts.roles import Role
from dossiers import selectors as dossier_selectors
from dossiers import tracking as dossier_tracking
from dossiers.models import Status

from . import selectors, services
from .forms import (
    DossierLookupForm,
    FeedbackForm,
    FeedbackLookupForm,
    ForwardForm,
    KioskForm,
    ProvideInfoForm,
    RateAnswerForm,
    RatingForm,
    ReasonForm,
)
from .models import CRITERIA_MAX_TOTAL, FeedbackStatus, RatingChannel, RatingLevel

SESSION_KEY = "ratings:feedback-access"


def lookup_rate(group, request) -> str:
    return getattr(settings, "FEEDBACK_LOOKUP_RATE", settings.TRACKING_RATE)


def submit_rate(group, request) -> str:
    return getattr(settings, "FEEDBACK_SUBMIT_RATE", "10/h")


def _limited(request):
    return render(request, "ratings/limited.html", status=429)


def _posted(request):
    return request.POST if request.method == "POST" else None


# ----- rating a returned dossier --------------------------------------------------------------------------------

def _rate_page(request, dossier, *, channel: str, template: str, done_url: str):
    rating = selectors.rating_of(dossier)
    form = RatingForm(_posted(request), with_criteria=channel == RatingChannel.ONLINE)
    status = 200
    if rating is None and dossier.status == Status.RETURNED and request.method == "POST":
        if form.is_valid():
            try:
                services.rating_submit(
                    dossier=dossier, level=form.cleaned_data["level"], criteria=form.cleaned_data["criteria"],
                    comment=form.cleaned_data["comment"], channel=channel,
                    by=request.user if request.user.is_authenticated else None)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.http_status
            else:
                return redirect(done_url)
        else:
            status = 400
    return render(request, template, {
        "dossier": dossier, "rating": rating, "form": form, "levels": RatingLevel,
        "can_rate": rating is None and dossier.status == Status.RETURNED, "criteria_max": CRITERIA_MAX_TOTAL,
    }, status=status)


@never_cache
@ratelimit(key="ip", rate=lookup_rate, method="GET", block=False, group="ratings:rate-token")
@require_http_methods(["GET", "POST"])
def rate(request, token):
    """/danh-gia/t/<token>/ — the link and the receipt's QR (the tracking token is the secret)."""
    if getattr(request, "limited", False):
        return _limited(request)
    dossier = selectors.dossier_by_token(token)
    if dossier is None:
        return render(request, "ratings/not_found.html", status=404)
    return _rate_page(request, dossier, channel=RatingChannel.ONLINE, template="ratings/rate.html",
                      done_url=reverse("ratings:rate", args=[token]) + "?cam-on=1")


@never_cache
@ratelimit(key="ip", rate=lookup_rate, method="POST", block=False, group="ratings:rate-lookup")
@require_http_methods(["GET", "POST"])
def rate_lookup(request):
    """/danh-gia/ — find one's dossier by code and phone, then rate it."""
    if getattr(request, "limited", False):
        return _limited(request)
    form = DossierLookupForm(_posted(request))
    not_found = False
    if request.method == "POST" and form.is_valid():
        try:
            card = dossier_tracking.by_code(form.cleaned_data["code"], form.cleaned_data["phone"],
                                            client=dossier_tracking.client_of(request))
        except dossier_tracking.TooManyMisses:
            return _limited(request)
        if card is not None:
            return redirect("ratings:rate", token=card.tracking_token)
        not_found = True
    return render(request, "ratings/rate_lookup.html", {"form": form, "not_found": not_found},
                  status=404 if not_found else (400 if form.errors else 200))


def _require_desk(request):
    require_role(request.user, (Role.CLERK, Role.LEADER, Role.ADMIN))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request):
    """The desk's rating screen: the clerk opens it; the citizen scans or types the dossier code."""
    _require_desk(request)
    form = KioskForm(_posted(request))
    problem = ""
    if request.method == "POST" and form.is_valid():
        dossier = selectors.kiosk_dossier(request.user, form.cleaned_data["code"])
        if dossier is None:
            problem = _("Không tìm thấy hồ sơ của cơ quan với mã này.")
        else:
            return redirect("ratings:kiosk-rate", pk=dossier.pk)
    return render(request, "ratings/kiosk.html", {"form": form, "problem": problem},
                  status=404 if problem else (400 if form.errors else 200))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_rate(request, pk):
    _require_desk(request)
    dossier = dossier_selectors.dossier_for_staff(request.user, pk)
    if not in_scope(request.user, dossier.receiving_agency_id):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Hồ sơ này không do cơ quan của bạn tiếp nhận."))
    return _rate_page(request, dossier, channel=RatingChannel.KIOSK, template="ratings/kiosk_rate.html",
                      done_url=reverse("ratings:kiosk") + "?cam-on=1")


# ----- feedback (public) ------------------------------------------------------------------------------------

def _grant(request, feedback) -> None:
    allowed = [pk for pk in request.session.get(SESSION_KEY, []) if pk != feedback.pk][-19:]
    request.session[SESSION_KEY] = [*allowed, feedback.pk]


@never_cache
@ratelimit(key="ip", rate=submit_rate, method="POST", block=False, group="ratings:feedback-new")
@require_http_methods(["GET", "POST"])
def feedback_new(request):
    if getattr(request, "limited", False):
        return _limited(request)
    initial = {}
    if request.user.is_authenticated:
        initial = {"sender_name": request.user.full_name, "sender_phone": request.user.phone or "",
                   "sender_email": request.user.email}
    form = FeedbackForm(_posted(request), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            dossier = None
            try:
                if data["dossier_code"]:
                    dossier = dossier_tracking.dossier_for(data["dossier_code"], data["sender_phone"],
                                                           client=dossier_tracking.client_of(request))
                    if dossier is None:
                        raise DomainError(_("Không tìm thấy hồ sơ với mã hồ sơ và số điện thoại đã nhập."),
                                          code="invalid_dossier")
                feedback = services.feedback_submit(
                    by=request.user, title=data["title"], content=data["content"], sender_name=data["sender_name"],
                    sender_phone=data["sender_phone"], sender_email=data["sender_email"],
                    sender_address=data["sender_address"], kind=data["kind"], topic=data["topic"],
                    agency=data["agency"], procedure=data["procedure"], dossier=dossier,
                    allow_publish=data["allow_publish"])
            except dossier_tracking.TooManyMisses:
                return _limited(request)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.http_status
            else:
                _grant(request, feedback)
                messages.success(request, _("Đã gửi phản ánh, kiến nghị. Mã tra cứu: %(code)s")
                                 % {"code": feedback.code})
                return redirect("ratings:feedback-status", code=feedback.code)
        else:
            status = 400
    return render(request, "ratings/feedback_new.html", {"form": form}, status=status)


@never_cache
@ratelimit(key="ip", rate=lookup_rate, method="POST", block=False, group="ratings:feedback-lookup")
@require_http_methods(["GET", "POST"])
def feedback_lookup(request):
    if getattr(request, "limited", False):
        return _limited(request)
    form = FeedbackLookupForm(_posted(request), initial={"code": request.GET.get("ma", "")})
    not_found = False
    if request.method == "POST" and form.is_valid():
        feedback = selectors.feedback_lookup(form.cleaned_data["code"], form.cleaned_data["contact"])
        if feedback is not None:
            _grant(request, feedback)
            return redirect("ratings:feedback-status", code=feedback.code)
        not_found = True
    return render(request, "ratings/feedback_lookup.html", {"form": form, "not_found": not_found},
                  status=404 if not_found else (400 if form.errors else 200))


@never_cache
@require_http_methods(["GET", "POST"])
def feedback_status(request, code):
    """The sender's view after the lookup (the session remembers the second factor was given)."""
    from .models import Feedback

    feedback = Feedback.objects.select_related("agency", "procedure").filter(code=(code or "").upper()).first()
    allowed = feedback is not None and (
        feedback.pk in request.session.get(SESSION_KEY, [])
        or (request.user.is_authenticated and feedback.sender_id == request.user.pk))
    if not allowed:
        return redirect(f"{reverse('ratings:feedback-lookup')}?ma={code}")
    info_form = ProvideInfoForm(request.POST if request.POST.get("do") == "info" else None)
    rate_form = RateAnswerForm(request.POST if request.POST.get("do") == "rate" else None)
    status = 200
    if request.method == "POST":
        form = info_form if request.POST.get("do") == "info" else rate_form
        if form.is_valid():
            try:
                if form is info_form:
                    services.feedback_provide_info(feedback=feedback, content=form.cleaned_data["content"],
                                                   by=request.user)
                    messages.success(request, _("Đã gửi thông tin bổ sung."))
                else:
                    services.feedback_rate_answer(feedback=feedback, satisfied=form.cleaned_data["satisfied"])
                    messages.success(request, _("Cảm ơn ông/bà đã đánh giá kết quả trả lời."))
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.http_status
            else:
                return redirect("ratings:feedback-status", code=feedback.code)
        else:
            status = 400
    return render(request, "ratings/feedback_status.html", {
        "feedback": feedback, "info_form": info_form, "rate_form": rate_form,
        "can_provide_info": feedback.status == FeedbackStatus.INFO_REQUESTED,
        "can_rate_answer": feedback.status in (FeedbackStatus.ANSWERED, FeedbackStatus.PUBLISHED)
        and feedback.sender_satisfied is None,
    }, status=status)


@require_GET
def feedback_published(request):
    page = Paginator(selectors.published_feedback(), 20).get_page(request.GET.get("page"))
    return render(request, "ratings/feedback_published.html", {"page": page})


# ----- staff ------------------------------------------------------------------------------------------------

@login_required
@require_GET
def inbox(request):
    status = request.GET.get("trang-thai", "open")
    if status not in ("open", "", *FeedbackStatus.values):
        status = "open"
    page = Paginator(selectors.feedback_inbox(request.user, status=status, q=request.GET.get("q", "")), 30).get_page(
        request.GET.get("page"))
    notices = list(selectors.notices_for(request.user, unread_only=True)[:20])
    return render(request, "ratings/inbox.html", {
        "page": page, "status": status, "statuses": FeedbackStatus.choices, "notices": notices,
        "q": request.GET.get("q", ""), "query": f"trang-thai={status}",
    })


ACTIONS = {
    # action: (label, form, service call)
    "forward": _("Chuyển cơ quan có thẩm quyền"),
    "refuse": _("Từ chối tiếp nhận"),
    "request_info": _("Đề nghị bổ sung thông tin"),
    "answer": _("Trả lời"),
    "publish": _("Công khai kết quả trả lời"),
}


def _available(feedback, user) -> list[str]:
    found = []
    if feedback.status == FeedbackStatus.RECEIVED:
        found += ["forward", "answer", "request_info"]
        if feedback.info_requested_at is None:
            found.append("refuse")
    if feedback.status == FeedbackStatus.ANSWERED and feedback.allow_publish and (
            user.is_superuser or user.has_role(Role.LEADER, Role.ADMIN)):
        found.append("publish")
    return found


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    feedback = selectors.feedback_for_staff(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    forms_by_action = {
        "forward": ForwardForm(request.POST if action == "forward" else None, prefix="forward"),
        "refuse": ReasonForm(request.POST if action == "refuse" else None, prefix="refuse"),
        "request_info": ReasonForm(request.POST if action == "request_info" else None, prefix="request_info"),
        "answer": ReasonForm(request.POST if action == "answer" else None, prefix="answer"),
    }
    available = _available(feedback, request.user)
    status = 200
    if action:
        form = forms_by_action.get(action)
        try:
            if action not in ACTIONS:
                raise DomainError(_("Thao tác không hợp lệ."), code="unknown_action")
            if action == "publish":
                services.feedback_publish(feedback=feedback, by=request.user)
            elif form.is_valid():
                data = form.cleaned_data
                if action == "forward":
                    services.feedback_forward(feedback=feedback, by=request.user, to_agency=data["to_agency"],
                                              note=data["note"])
                elif action == "refuse":
                    services.feedback_refuse(feedback=feedback, by=request.user, reason=data["text"])
                elif action == "request_info":
                    services.feedback_request_info(feedback=feedback, by=request.user, request=data["text"])
                elif action == "answer":
                    services.feedback_answer(feedback=feedback, by=request.user, answer=data["text"])
            else:
                status = 400
        except DomainError as error:
            if form is not None:
                form.add_error(None, error.message)
            else:
                messages.error(request, error.message)
            status = error.http_status
        if status == 200:
            messages.success(request, _("Đã ghi nhận: %(action)s.") % {"action": ACTIONS[action]})
            return redirect("ratings:detail", pk=feedback.pk)
    events = list(feedback.events.select_related("by", "from_agency", "to_agency"))
    return render(request, "ratings/detail.html", {
        "feedback": feedback, "events": events, "actions": [(a, ACTIONS[a], forms_by_action.get(a)) for a in available],
    }, status=status)


@login_required
@require_POST
def notices_read(request):
    ids = request.POST.getlist("notice")
    count = services.notice_mark_read(by=request.user, notice_ids=[int(i) for i in ids if i.isdigit()] or None)
    messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": count})
    return redirect("ratings:inbox")


@login_required
@require_GET
def ratings_list(request):
    level = request.GET.get("muc")
    level = int(level) if level in {"0", "1", "2"} else None
    page = Paginator(selectors.ratings_for(request.user, level=level), 30).get_page(request.GET.get("page"))
    return render(request, "ratings/ratings_list.html", {"page": page, "level": level, "levels": RatingLevel,
                                                         "query": f"muc={level}" if level is not None else ""})
