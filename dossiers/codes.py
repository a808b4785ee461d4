"""Dossier codes: ``<agency electronic ID>-<yyMMdd>-<daily sequence>`` (DOMAIN.md A "Codes", B §3.1).

Example ``000.00.06.H56-231027-0361``. The sequence counts per agency and per day from a counter row
(``DailySequence``) that is locked for the rest of the caller's transaction, so parallel receipts wait
for each other for a few milliseconds instead of colliding. If the caller's transaction rolls back, the
number is not consumed either — the book has no holes.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency

from .models import DailySequence

SEQUENCE_DIGITS = 4


def format_code(agency_code: str, day: dt.date, number: int) -> str:
    # Beyond 9 999 a day the number simply grows to five digits: a longer code beats a refused dossier.
    return f"{agency_code}-{day:%y%m%d}-{number:0{SEQUENCE_DIGITS}d}"


def next_code(agency: Agency, moment: dt.datetime | dt.date | None = None) -> str:
    """The next code for ``agency`` on the local day of ``moment`` (default: now). Call inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_code() must run inside the transaction that stores the code.")
    if moment is None:
        moment = timezone.now()
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    # INSERT ... ON CONFLICT DO NOTHING: the first dossier of the day creates the row, the others find it.
    DailySequence.objects.bulk_create([DailySequence(agency=agency, day=day, last=0)], ignore_conflicts=True)
    counter = DailySequence.objects.select_for_update().get(agency=agency, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_code(agency.code, day, counter.last)
