"""A sensible starting queue for an agency: one line per group of fields, counters that serve all of them.

Idempotent (get-or-create by agency + letter / number), so `make run`'s demo seed and an administrator
setting up a new desk can both call it; an administrator then adjusts it in the admin.
"""

from django.db import transaction

from accounts.models import Agency
from procedures.models import Field

from .models import Counter, DeskService

# (letter, name, field names it covers). Unknown field names are skipped: the catalog decides what exists.
DEFAULT_SERVICES = [
    ("A", "Hộ tịch, chứng thực", ("Hộ tịch", "Chứng thực", "Hòa giải ở cơ sở")),
    ("B", "Đất đai, môi trường", ("Đất đai", "Đăng ký biện pháp bảo đảm")),
    ("C", "Lĩnh vực khác", ()),
]


@transaction.atomic
def seed_desk_queue(agency: Agency, *, counters: int = 3) -> tuple[list[DeskService], list[Counter]]:
    services = []
    for order, (letter, name, field_names) in enumerate(DEFAULT_SERVICES):
        service, _created = DeskService.objects.get_or_create(
            agency=agency, letter=letter, defaults={"name": name, "order": order})
        service.fields.add(*Field.objects.filter(name__in=field_names))
        services.append(service)
    made = []
    for number in range(1, counters + 1):
        counter, created = Counter.objects.get_or_create(agency=agency, number=number,
                                                         defaults={"name": f"Quầy {number}"})
        if created:
            counter.services.set(services)
        made.append(counter)
    return services, made
