"""What the desk reads: dossiers waiting for its check, dossiers to hand back, earlier applicant data."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Agency, User
from accounts.roles import Role
from accounts.validators import normalize_phone
from dossiers.deadlines import working_seconds_between
from dossiers.models import Channel, Dossier, Status
from procedures.models import Procedure
from procedures.selectors import search_procedures

HOUR = 3600


@dataclass(frozen=True)
class WaitingDossier:
    dossier: Dossier
    seconds_left: int  # working seconds until confirm_due_at; negative when already late

    @property
    def urgency(self) -> str:
        """ok / warn / bad: the colour of the badge (late or under one working hour is red)."""
        if self.seconds_left < HOUR:
            return "bad"
        if self.seconds_left < settings.ONLINE_CONFIRM_WORKING_HOURS * HOUR // 2:
            return "warn"
        return "ok"

    @property
    def is_late(self) -> bool:
        return self.seconds_left < 0

    @property
    def hours(self) -> int:
        return abs(self.seconds_left) // HOUR

    @property
    def minutes(self) -> int:
        return abs(self.seconds_left) % HOUR // 60


def confirm_seconds_left(dossier: Dossier, agency: Agency | None, now: dt.datetime) -> int:
    """Working seconds left of the desk's 8 working hours to confirm an online dossier (DOMAIN.md A)."""
    due = dossier.confirm_due_at
    if due is None:
        return settings.ONLINE_CONFIRM_WORKING_HOURS * HOUR
    if due >= now:
        return working_seconds_between(now, due, agency=agency)
    return -working_seconds_between(due, now, agency=agency)


def online_waiting_qs(user: User) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(status=Status.SUBMITTED, channel=Channel.ONLINE, receiving_agency_id=user.agency_id)
        .select_related("procedure")
        .order_by("confirm_due_at", "submitted_at", "id")
    )


def online_waiting(user: User, *, agency: Agency, now: dt.datetime | None = None,
                   limit: int | None = None) -> list[WaitingDossier]:
    """Online dossiers the clerk's agency must confirm, the most urgent first."""
    now = now or timezone.now()
    qs = online_waiting_qs(user)
    if limit:
        qs = qs[:limit]
    return [WaitingDossier(d, confirm_seconds_left(d, agency, now)) for d in qs]


def results_to_return(user: User, *, limit: int = 20) -> list[Dossier]:
    """Results ready at the clerk's agency, the longest waiting first (the citizen may be phoned)."""
    return list(
        Dossier.objects.filter(status=Status.RESULT_READY, receiving_agency_id=user.agency_id)
        .select_related("procedure").order_by("completed_at", "id")[:limit]
    )


def _matching(q: str) -> Q:
    """A dossier code, the applicant's ID number or phone — exact values, as written on the papers."""
    q = (q or "").strip()
    return Q(code__iexact="".join(q.split())) | Q(applicant_id_number=q.upper()) | Q(applicant_phone=normalize_phone(q))


@dataclass(frozen=True)
class Found:
    to_return: list[Dossier]      # result ready: hand it over
    to_check: list[Dossier]       # back with a supplement asked at the desk, or online and waiting
    others: list[Dossier]         # anything else at this desk, to open and read

    @property
    def empty(self) -> bool:
        return not (self.to_return or self.to_check or self.others)


def find_at_desk(user: User, q: str, *, limit: int = 30) -> Found:
    """Dossiers received (or to be received) at the clerk's agency matching a code, ID number or phone."""
    rows = list(
        Dossier.objects.filter(_matching(q), receiving_agency_id=user.agency_id).exclude(status=Status.DRAFT)
        .select_related("procedure").order_by("-created_at", "-id")[:limit]
    )
    to_return = [d for d in rows if d.status == Status.RESULT_READY]
    to_check = [d for d in rows if d.status == Status.SUBMITTED
                or (d.status == Status.SUPPLEMENT and d.received_at is None)]
    others = [d for d in rows if d not in to_return and d not in to_check]
    return Found(to_return, to_check, others)


def latest_applicant(user: User, id_number: str) -> dict | None:
    """Prefill from the latest dossier with this ID number received at the clerk's agency, else from the
    citizen's own account. Only the clerk's agency: personal data is shown where it was collected
    (Decree 13/2023 purpose limitation)."""
    id_number = (id_number or "").strip().upper()
    if len(id_number) < 8:
        return None
    dossier = (
        Dossier.objects.filter(applicant_id_number=id_number, receiving_agency_id=user.agency_id)
        .exclude(status=Status.DRAFT)
        .order_by("-created_at", "-id")
        .only("applicant_name", "applicant_id_type", "applicant_id_number", "applicant_phone",
              "applicant_email", "applicant_address")
        .first()
    )
    if dossier is not None:
        return {
            "name": dossier.applicant_name, "id_type": dossier.applicant_id_type,
            "id_number": dossier.applicant_id_number, "phone": dossier.applicant_phone,
            "email": dossier.applicant_email, "address": dossier.applicant_address,
        }
    account = User.objects.filter(cccd=id_number, is_active=True).first()
    if account is not None:
        return {
            "name": account.full_name, "id_type": "cccd", "id_number": account.cccd,
            "phone": account.phone or "", "email": account.email, "address": account.address,
        }
    return None


def find_citizen(q: str) -> User | None:
    """The citizen account for assisted digital filing, by CCCD or phone (exact: no browsing)."""
    q = (q or "").strip()
    if not q:
        return None
    phone = normalize_phone(q)
    return (
        User.objects.filter(Q(cccd=q) | Q(phone=phone), is_active=True, groups__name=Role.CITIZEN)
        .distinct().first()
    )


def search_procedures_for_desk(user: User, q: str, *, online_only: bool = False, limit: int = 15) -> list[Procedure]:
    """The catalog's own search (diacritics-insensitive, best matches first), limited to what can be filed."""
    qs = search_procedures(q, queryset=Procedure.objects.select_related("field").filter(current_version__isnull=False))
    if online_only:
        qs = qs.filter(accepts_online=True)
    return list(qs[:limit])
