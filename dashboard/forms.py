"""The dashboard's filter form (a GET form: period, agency of the scope, field, procedure)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from procedures.models import Field, Procedure

from .periods import EARLIEST_YEAR, KINDS


def year_choices():
    this_year = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this_year, max(EARLIEST_YEAR, this_year - 10) - 1, -1)]


class PeriodFields(forms.Form):
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=[(k, v) for k, v in KINDS.items()])
    year = forms.ChoiceField(label=_("Năm"), choices=year_choices)
    month = forms.ChoiceField(label=_("Tháng"), required=False, choices=[(str(m), f"{m:02d}") for m in range(1, 13)])
    quarter = forms.ChoiceField(label=_("Quý"), required=False, choices=[(str(q), f"{q}") for q in range(1, 5)])
    start = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def period_initial(period) -> dict:
        return {"period": period.kind, "year": str(period.first.year), "month": str(period.first.month),
                "quarter": str((period.first.month - 1) // 3 + 1), "start": period.first, "end": period.last}


class DashboardFilterForm(PeriodFields):
    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False)

    @classmethod
    def for_request(cls, req) -> DashboardFilterForm:
        scope = req.scope
        initial = cls.period_initial(req.period)
        initial.update({"agency": str(scope.agency.pk) if scope.agency else "",
                        "field": req.filters.field.code if req.filters.field else "",
                        "procedure": req.filters.procedure.code if req.filters.procedure else ""})
        form = cls(initial=initial)
        user_scope = type(scope).of(scope.user) if scope.agency and scope.agency.pk != scope.user.agency_id else scope
        agencies = user_scope.agencies()
        form.fields["agency"].choices = ([("", _("Tất cả cơ quan trong phạm vi"))] if user_scope.agency is None
                                         else []) + [(str(a.pk), a.name) for a in agencies]
        form.fields["field"].choices = [("", _("Tất cả lĩnh vực"))] + [
            (f.code, f.name) for f in Field.objects.order_by("name").only("code", "name")]
        procedures = Procedure.objects.filter(is_active=True).order_by("code").only("code", "name")
        if user_scope.agency_ids is not None:
            procedures = procedures.filter(agencies__in=user_scope.agency_ids).distinct()
        form.fields["procedure"].choices = [("", _("Tất cả thủ tục"))] + [
            (p.code, f"{p.code} — {p.name[:90]}") for p in procedures]
        # The long lists as ready HTML: Django renders each <option> of a widget through a template.
        form.options_html = {name: options_html(form.fields[name].choices, initial[name])
                             for name in ("agency", "field", "procedure")}
        return form


def options_html(choices, selected: str) -> str:
    parts = []
    for value, label in choices:
        mark = " selected" if str(value) == str(selected) else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(parts))
