"""Seed the calendar exceptions the `holidays` package does not give us (DOMAIN.md B §7).

`holidays` 0.109 (VN) already lists every public-sector day off we know of for 2024–2027: Tết 2026
16–20/02 (the weekdays of the 9-day Bính Ngọ block), Hùng Kings' day 2026 observed Mon 27/04, 30/4–1/5,
National Day with the swapped Mon 31/08/2026, 24/11 from 2026, and its 2027 estimates. What it does not
expose is the other half of each official swap (hoán đổi ngày làm việc): the Saturday worked in exchange,
which it only names in the label of the day off ("Ngày nghỉ (thay cho ngày 22/08/2026)"). Those
Saturdays are seeded here as make-up working days so due dates count them; an admin edits the table
later (Django admin → "Ngày nghỉ / làm bù") when the Government announces new ones.
"""

import datetime as dt

from django.db import migrations

MAKE_UP_DAYS = [
    # (date, reason) — the swaps in holidays' VietnamStaticHolidays table, DOMAIN.md B §7.
    (dt.date(2024, 5, 4), "Làm bù cho ngày nghỉ thứ Hai 29/04/2024 (dịp 30/4 – 1/5/2024)"),
    (dt.date(2025, 4, 26), "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025 (dịp 30/4 – 1/5/2025)"),
    (dt.date(2026, 8, 22), "Làm bù cho ngày nghỉ thứ Hai 31/08/2026 (dịp Quốc khánh 2/9/2026)"),
]


def seed(apps, schema_editor):
    CalendarException = apps.get_model("dossiers", "CalendarException")
    for day, name in MAKE_UP_DAYS:
        CalendarException.objects.get_or_create(date=day, agency=None, defaults={"kind": "work", "name": name})


def unseed(apps, schema_editor):
    CalendarException = apps.get_model("dossiers", "CalendarException")
    CalendarException.objects.filter(
        date__in=[day for day, _name in MAKE_UP_DAYS], agency=None, kind="work"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0002_alerts_and_outbox"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
