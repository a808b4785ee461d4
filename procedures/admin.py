"""Catalog management: procedures → versions → cases → documents and route, with history, import and export.

Django's admin nests one level of inlines, so each level links to the next ("show_change_link").
Access is the admin's own: staff with the model permissions (the catalog editors' group).
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.errors import DomainError

from .exchange import route_problems
from .models import Field, Procedure, ProcedureCase, ProcedureVersion, RequiredDocument, RouteStep
from .selectors import all_words_match, query_words
from .services import export_catalog, import_catalog_file

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@admin.register(Field)
class FieldAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "procedure_count")
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_procedures=Count("procedures"))

    @admin.display(description=_("số thủ tục"), ordering="n_procedures")
    def procedure_count(self, obj):
        return obj.n_procedures


class ProcedureAdminForm(forms.ModelForm):
    """``steps`` is a JSON list; editors write one step per line."""

    steps = forms.CharField(
        label=_("trình tự thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi bước một dòng, theo thứ tự."),
    )

    class Meta:
        model = Procedure
        fields = (
            "code", "national_code_published", "local_code", "name", "field", "is_active", "level", "level_note",
            "agencies", "coordinating_agencies", "accepts_desk", "accepts_postal", "accepts_online", "postal_return",
            "online_level", "steps", "applicants", "conditions", "result", "fee_vnd", "fee_note", "legal_basis",
            "source", "current_version",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["steps"] = "\n".join(self.instance.steps or [])
            self.fields["current_version"].queryset = self.instance.versions.all()
        else:
            self.fields["current_version"].queryset = ProcedureVersion.objects.none()

    def clean_steps(self):
        return [line.strip() for line in self.cleaned_data["steps"].splitlines() if line.strip()]


class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("decision_number", "decision_date", "effective_from", "note")
    extra = 0
    show_change_link = True


def _download(content: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh mục"), help_text=_("Tệp CSV hoặc JSON xuất từ cổng này, "
                                                                  "hoặc tệp dữ liệu mẫu procedures.csv."))
    format = forms.ChoiceField(label=_("Định dạng"), choices=[
        ("csv", _("CSV (định dạng xuất của cổng)")),
        ("json", _("JSON (định dạng xuất của cổng)")),
        ("seed", _("CSV dữ liệu mẫu (procedures.csv)")),
    ])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 20 MB)."))
        return upload


@admin.register(Procedure)
class ProcedureAdmin(SimpleHistoryAdmin):
    form = ProcedureAdminForm
    change_list_template = "procedures/admin/procedure_change_list.html"
    list_display = ("code", "name", "field", "level", "online_level", "is_active")
    list_display_links = ("code", "name")
    list_filter = ("field", "level", "online_level", "is_active", "national_code_published", "accepts_online")
    list_select_related = ("field",)
    search_fields = ("code", "local_code", "name")
    search_help_text = _("Tìm theo mã hoặc tên thủ tục, gõ có dấu hay không dấu đều được.")
    autocomplete_fields = ("field", "agencies")
    inlines = (ProcedureVersionInline,)
    actions = ("export_csv", "export_json")
    fieldsets = (
        (None, {"fields": ("code", "national_code_published", "local_code", "name", "field", "is_active")}),
        (_("Cấp và cơ quan thực hiện"), {"fields": ("level", "level_note", "agencies", "coordinating_agencies")}),
        (_("Cách thức thực hiện"), {"fields": ("accepts_desk", "accepts_postal", "accepts_online", "postal_return",
                                               "online_level")}),
        (_("Nội dung công bố"), {"fields": ("steps", "applicants", "conditions", "result", "fee_vnd", "fee_note",
                                            "legal_basis", "source", "current_version")}),
    )

    def get_search_results(self, request, queryset, search_term):
        """Search the folded code and name, so "dang ky khai sinh" finds "Đăng ký khai sinh" here too."""
        words = query_words(search_term)
        if not words:
            return queryset, False
        return queryset.filter(all_words_match(words)), False

    @admin.action(description=_("Xuất CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        stamp = dt.date.today().strftime("%Y%m%d")
        return _download(export_catalog(fmt="csv", queryset=queryset), f"thu-tuc-{stamp}.csv",
                         "text/csv; charset=utf-8")

    @admin.action(description=_("Xuất JSON"), permissions=["view"])
    def export_json(self, request, queryset):
        stamp = dt.date.today().strftime("%Y%m%d")
        return _download(export_catalog(fmt="json", queryset=queryset), f"thu-tuc-{stamp}.json",
                         "application/json; charset=utf-8")

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("nhap/", view, name="procedures_procedure_import"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = import_catalog_file(form.cleaned_data["file"].read(), fmt=form.cleaned_data["format"],
                                             by=request.user)
            except DomainError as exc:
                problems = getattr(exc, "problems", None) or [str(exc.message)]
            else:
                messages.success(request, gettext("Đã nhập danh mục: %(result)s") % {"result": result})
                return redirect(reverse("admin:procedures_procedure_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Nhập danh mục thủ tục"),
            "form": form,
            "problems": problems,
        }
        status = 400 if problems or form.errors else 200
        return TemplateResponse(request, "procedures/admin/import.html", context, status=status)


class ProcedureCaseInline(admin.TabularInline):
    model = ProcedureCase
    fields = ("order", "name", "legal_time", "committed_time", "time_unit", "time_note", "fee_vnd")
    extra = 0
    show_change_link = True


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(SimpleHistoryAdmin):
    list_display = ("procedure", "decision_number", "decision_date", "effective_from")
    list_select_related = ("procedure",)
    search_fields = ("procedure__code", "procedure__name", "decision_number")
    autocomplete_fields = ("procedure",)
    inlines = (ProcedureCaseInline,)


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    fields = ("order", "name", "originals", "copies", "is_required", "form_name", "form_file", "note")
    extra = 0


class RouteFormSet(forms.BaseInlineFormSet):
    """The route's rules (shares add up to 100 %) — the same check the import applies."""

    def clean(self):
        super().clean()
        steps = [
            {"order": f.cleaned_data.get("order"), "share_percent": f.cleaned_data.get("share_percent")}
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        problems = route_problems(steps)
        if problems:
            raise forms.ValidationError([p[:1].upper() + p[1:] for p in problems])


class RouteStepInline(admin.TabularInline):
    model = RouteStep
    formset = RouteFormSet
    fields = ("order", "name", "role", "agency", "share_percent")
    autocomplete_fields = ("agency",)
    extra = 0


@admin.register(ProcedureCase)
class ProcedureCaseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "version", "legal_time", "committed_time", "time_unit")
    list_select_related = ("version__procedure",)
    search_fields = ("name", "version__procedure__code", "version__procedure__name")
    autocomplete_fields = ("version",)
    inlines = (RequiredDocumentInline, RouteStepInline)
