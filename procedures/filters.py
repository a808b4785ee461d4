"""The catalog's search and filters, one definition for the public page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Agency

from .models import Field, Level, OnlineLevel, Procedure
from .selectors import MAX_QUERY_LENGTH, search_procedures


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """Chooses a record by its code (lĩnh vực slug, agency electronic ID); documented as a string."""


class ProcedureFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Từ khóa"), max_length=MAX_QUERY_LENGTH, method="_noop",
        help_text=_("Tên hoặc mã thủ tục; gõ có dấu hay không dấu đều được."),
    )
    field = CodeChoiceFilter(
        label=_("Lĩnh vực"), queryset=Field.objects.order_by("name"), to_field_name="code",
        empty_label=_("Tất cả lĩnh vực"), method="_noop",
    )
    level = django_filters.ChoiceFilter(
        label=_("Cấp thực hiện"), choices=Level.choices, empty_label=_("Tất cả các cấp"), method="_noop",
    )
    agency = CodeChoiceFilter(
        label=_("Cơ quan thực hiện"), queryset=Agency.objects.filter(is_active=True).order_by("name"),
        to_field_name="code", empty_label=_("Tất cả cơ quan"), method="_noop",
    )
    online_level = django_filters.ChoiceFilter(
        label=_("Mức độ dịch vụ công trực tuyến"), choices=OnlineLevel.choices, empty_label=_("Tất cả mức độ"),
        method="_noop",
    )

    class Meta:
        model = Procedure
        fields = ["q", "field", "level", "agency", "online_level"]

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        """All filters in one selector call, so search ranking and filters stay in selectors.py."""
        return search_procedures(queryset=queryset, **self.search_arguments(self.form.cleaned_data))

    @staticmethod
    def search_arguments(cleaned_data: dict) -> dict:
        return {
            "q": cleaned_data.get("q") or "",
            "field": cleaned_data.get("field"),
            "level": cleaned_data.get("level") or None,
            "agency": cleaned_data.get("agency"),
            "online_level": cleaned_data.get("online_level") or None,
        }
