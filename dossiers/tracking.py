"""Public tracking: what a stranger holding the receipt may see of a dossier, and nothing more.

It is the busiest public read of the portal: citizens refresh it, and SMS and QR links open it. So it is
built to be fast as well as private:

* A ``Card`` holds plain values read with ``.values()``, never model instances. One query reads the
  dossier's public columns with its procedure and agencies; a second reads the timeline.
* Cards are cached by code and by QR token for ``settings.TRACKING_CACHE_SECONDS``. Every change a citizen
  can see (status, agency, appointment, fee, result) saves the dossier or writes a step: the workflow,
  payments and delay notices do both. Either ``post_save`` drops the card at once, and again after commit,
  because a lookup during the transaction may have cached the old state. So the TTL only bounds what no
  such save announces, such as a renamed agency or procedure.
* Whatever moves with the clock (working days left, late or not) is worked out per request from the card.
* An unknown code is cached too (as ``None``), so a repeated lookup takes the same time whether the code
  exists or not. The applicant's phone is kept only as keyed digests, compared in constant time.
* Guessing is what is rate-limited: ``settings.TRACKING_RATE`` failed lookups (unknown code, wrong phone,
  unknown link) per client and period, as sign-ins count failures. A commune office or a kiosk puts many
  citizens behind one address, and their successful lookups never lock each other out. A lookup reads
  the card and the client's failure count in one round trip to the cache.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.crypto import salted_hmac
from django_ratelimit.core import user_or_ip

from accounts.validators import normalize_phone

from . import deadlines, selectors, workflow
from .models import NATIONAL_STATUS_ID, Dossier, Status, StepLog, Substep, is_open_status

_ABSENT = object()
_PHONE_SALT = "dossiers.tracking.phone"


@dataclass(frozen=True, slots=True)
class Agency:
    """The receiving agency: its name, and what ``deadlines.calendar_for`` reads to count its working time."""

    pk: int
    name: str
    morning_start: dt.time
    morning_end: dt.time
    afternoon_start: dt.time
    afternoon_end: dt.time


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    to_status: str
    at: dt.datetime
    from_agency: str | None
    to_agency: str | None

    @property
    def label(self) -> str:
        return workflow.action_label(self.action)

    @property
    def status_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status

    @property
    def agency(self) -> str:
        return self.to_agency or self.from_agency or ""


@dataclass(frozen=True, slots=True)
class Card:
    """A dossier as the public sees it. It has the attributes ``selectors.time_left`` and
    ``selectors.working_days_left`` read (status, paused_at, due_at, completed_at, receiving_agency)."""

    code: str
    tracking_token: str
    procedure_code: str
    procedure_name: str
    status: str
    substep: str
    receiving_agency: Agency
    current_agency: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    paused_at: dt.datetime | None
    completed_at: dt.datetime | None
    returned_at: dt.datetime | None
    fee_due_vnd: int | None
    fee_paid: bool
    paid_online: bool
    has_result_file: bool
    steps: tuple[Step, ...]
    phone_digest: str
    last4_digest: str

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def substep_label(self) -> str:
        return str(Substep(self.substep).label) if self.substep in Substep.values else self.substep

    @property
    def national_status_id(self) -> int | None:
        return NATIONAL_STATUS_ID[self.status]

    @property
    def is_open(self) -> bool:
        return is_open_status(self.status)

    @property
    def result_online(self) -> bool:
        return self.has_result_file and self.status in (Status.RESULT_READY, Status.RETURNED)

    def phone_matches(self, given: str) -> bool:
        given = normalize_phone(given or "")
        if not given.isdigit():
            return False
        if len(given) == 4:
            return hmac.compare_digest(self.last4_digest, _digest(given))
        return hmac.compare_digest(self.phone_digest, _digest(given))

    def appointment(self, now: dt.datetime | None = None) -> dict | None:
        """The appointment now in force, with the countdown a citizen reads (none once the dossier is closed)."""
        if self.due_at is None:
            return None
        local = deadlines.localize(self.due_at)
        if self.completed_at is not None:
            late, days_left = self.completed_at > self.due_at, None
        elif self.is_open:
            late, days_left = (selectors.time_left(self, now) or 0) < 0, selectors.working_days_left(self, now)
        else:  # withdrawn, refused or stopped: the clock stopped without a result
            late, days_left = False, None
        return {"at": self.due_at, "date": local.date(), "weekday": deadlines.weekday_vn(local),
                "display": deadlines.format_vn(local), "working_days_left": days_left, "is_late": late}


class TooManyMisses(Exception):
    """This client has failed ``settings.TRACKING_RATE`` lookups in the current period."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after  # seconds until the period ends


def by_code(code: str, phone: str, *, client: str) -> Card | None:
    """The card of the dossier with this code whose applicant phone is ``phone`` (or ends with these 4 digits).

    ``None`` for an unknown code and for a wrong phone alike, and either counts as a miss of ``client``
    (``client_of(request)``). Raises ``TooManyMisses`` once the client has missed too often.
    """
    code = (code or "").strip().upper()
    card = _lookup("code", code, client, code=code) if code and len(code) <= 60 else _miss(client)
    if card is not None and not card.phone_matches(phone):
        return _miss(client)
    return card


def by_token(token: str, *, client: str) -> Card | None:
    """The card behind a receipt's QR code (the token is the secret; no phone asked). Misses count as above."""
    token = (token or "").strip()
    return _lookup("token", token, client, tracking_token=token) if token and len(token) <= 40 else _miss(client)


def dossier_for(code: str, phone: str, *, client: str) -> Dossier | None:
    """The dossier itself, for the public forms that name one by code and phone (rating, feedback)."""
    card = by_code(code, phone, client=client)
    return Dossier.objects.filter(code=card.code).first() if card else None


def client_of(request) -> str:
    """Whose misses a request counts as: the signed-in user, else the client address (with
    ``RATELIMIT_IP_META_KEY`` behind a proxy, as every other limiter of the portal)."""
    return user_or_ip(request)


# ----- reading and caching ----------------------------------------------------------------------------------

_COLUMNS = (
    "id", "code", "tracking_token", "status", "substep", "applicant_phone", "procedure__code", "procedure__name",
    "receiving_agency_id", "receiving_agency__name", "receiving_agency__morning_start",
    "receiving_agency__morning_end", "receiving_agency__afternoon_start", "receiving_agency__afternoon_end",
    "current_agency__name", "submitted_at", "received_at", "due_at", "paused_at", "completed_at", "returned_at",
    "fee_due_vnd", "fee_paid_at", "paid_online", "result_file",
)
_STEP_COLUMNS = ("action", "to_status", "at", "from_agency__name", "to_agency__name")


def _key(kind: str, value: str) -> str:
    return f"dossiers:tracking:{kind}:{value}"


def _digest(value: str) -> str:
    return salted_hmac(_PHONE_SALT, value, algorithm="sha256").hexdigest()


def _lookup(kind: str, value: str, client: str, **unique) -> Card | None:
    key, misses_key = _key(kind, value), _misses_key(client)
    found = cache.get_many([key, misses_key])  # one round trip for the card and the client's failures
    allowed, period = _rate()
    if found.get(misses_key, 0) >= allowed:
        raise TooManyMisses(retry_after=period - int(time.time()) % period)
    card = found.get(key, _ABSENT)
    if card is _ABSENT:
        card = _read(**unique)
        cache.set(key, card, settings.TRACKING_CACHE_SECONDS)
    return card if card is not None else _miss(client)


def _miss(client: str) -> None:
    key = _misses_key(client)
    if not cache.add(key, 1, _rate()[1] + 5):  # a few seconds past the period, so no count expires early
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: this miss opens a new period
            cache.add(key, 1, _rate()[1] + 5)
    return None


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate() -> tuple[int, int]:
    """settings.TRACKING_RATE as (misses allowed, period in seconds): "20/m", "100/5m", "1000/h"."""
    count, _slash, period = settings.TRACKING_RATE.partition("/")
    return int(count), int(period[:-1] or 1) * _PERIODS[period[-1]]


def _misses_key(client: str) -> str:
    period = _rate()[1]
    return f"dossiers:tracking:misses:{client}:{int(time.time()) // period}"


def _read(**unique) -> Card | None:
    # No ORDER BY: the key is unique, and compiling the default ordering cost more than running the query.
    rows = list(Dossier.objects.exclude(status=Status.DRAFT).filter(**unique).order_by().values(*_COLUMNS)[:1])
    if not rows:
        return None
    row = rows[0]
    steps = StepLog.objects.filter(dossier_id=row["id"]).order_by("at", "id").values_list(*_STEP_COLUMNS)
    phone = normalize_phone(row["applicant_phone"] or "")
    return Card(
        code=row["code"], tracking_token=row["tracking_token"], procedure_code=row["procedure__code"],
        procedure_name=row["procedure__name"], status=row["status"], substep=row["substep"],
        receiving_agency=Agency(
            pk=row["receiving_agency_id"], name=row["receiving_agency__name"],
            morning_start=row["receiving_agency__morning_start"], morning_end=row["receiving_agency__morning_end"],
            afternoon_start=row["receiving_agency__afternoon_start"],
            afternoon_end=row["receiving_agency__afternoon_end"]),
        current_agency=row["current_agency__name"], submitted_at=row["submitted_at"],
        received_at=row["received_at"], due_at=row["due_at"], paused_at=row["paused_at"],
        completed_at=row["completed_at"], returned_at=row["returned_at"], fee_due_vnd=row["fee_due_vnd"],
        fee_paid=row["fee_paid_at"] is not None, paid_online=row["paid_online"],
        has_result_file=bool(row["result_file"]), steps=tuple(Step(*step) for step in steps),
        # A phone too short to match gets empty digests, which no digest equals.
        phone_digest=_digest(phone) if len(phone) >= 4 else "",
        last4_digest=_digest(phone[-4:]) if len(phone) >= 4 else "",
    )


def forget(dossier: Dossier) -> None:
    """Drop the dossier's cards now and again after commit (see the module's docstring)."""
    keys = [_key("token", dossier.tracking_token)]
    if dossier.code:
        keys.append(_key("code", dossier.code.upper()))
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=Dossier, dispatch_uid="tracking_card_saved")
@receiver(post_delete, sender=Dossier, dispatch_uid="tracking_card_deleted")
def _dossier_changed(sender, instance: Dossier, **kwargs) -> None:
    forget(instance)


@receiver(post_save, sender=StepLog, dispatch_uid="tracking_card_new_step")
def _step_logged(sender, instance: StepLog, created: bool, **kwargs) -> None:
    # The workflow saves the dossier along with each step; a step written on its own must show all the same.
    if created:
        forget(instance.dossier)
