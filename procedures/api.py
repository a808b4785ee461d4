"""Public, read-only catalog API: procedures (search, filters, pagination), fields, agencies."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from accounts.models import Agency, AgencyKind

from .filters import CodeChoiceFilter, ProcedureFilter
from .models import Field, Procedure, ProcedureCase, RequiredDocument, RouteStep
from .selectors import catalog_list, fields_with_counts, procedure_detail, public_agencies
from .views import online_submission_url

TAG = "Danh mục thủ tục"


class CatalogErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã lỗi máy đọc được, ví dụ invalid, not_found.")
    detail = serializers.CharField(help_text="Mô tả lỗi cho người đọc (tiếng Việt).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Lỗi theo từng tham số (khi dữ liệu không hợp lệ).",
    )


ERRORS_400 = OpenApiResponse(CatalogErrorSerializer, description="Tham số lọc không hợp lệ.")
ERRORS_404 = OpenApiResponse(CatalogErrorSerializer, description="Không tìm thấy.")


class CatalogPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = _("Trang không hợp lệ.")


class PublicAPIView:
    """Open data: no authentication (no session or CSRF involved), anyone may read."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


# --------------------------------------------------------------------------- serializers


class FieldRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class FieldSerializer(serializers.ModelSerializer):
    procedure_count = serializers.IntegerField(read_only=True, help_text="Số thủ tục đang áp dụng.")

    class Meta:
        model = Field
        fields = ["code", "name", "procedure_count"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name"]


class AgencySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    working_hours = serializers.CharField(source="working_hours_display", read_only=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "kind_display", "parent", "address", "phone", "email", "working_hours"]


class CaseTimeSerializer(serializers.ModelSerializer):
    time_limit = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True, allow_null=True,
                                          help_text="Thời hạn áp dụng: cam kết nếu có, nếu không theo luật.")

    class Meta:
        model = ProcedureCase
        fields = ["name", "legal_time", "committed_time", "time_limit", "time_unit"]


class DocumentSerializer(serializers.ModelSerializer):
    form_file = serializers.FileField(read_only=True, use_url=True, allow_null=True)

    class Meta:
        model = RequiredDocument
        fields = ["order", "name", "originals", "copies", "is_required", "form_name", "form_file", "note"]


class RouteStepSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = RouteStep
        fields = ["order", "name", "role", "agency", "share_percent"]


class CaseSerializer(serializers.ModelSerializer):
    time_limit = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True, allow_null=True)
    is_same_day = serializers.BooleanField(read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    route = RouteStepSerializer(many=True, read_only=True)

    class Meta:
        model = ProcedureCase
        fields = ["name", "order", "legal_time", "committed_time", "time_limit", "time_unit", "time_note",
                  "is_same_day", "fee_vnd", "documents", "route"]


class ProcedureListSerializer(serializers.ModelSerializer):
    field = FieldRefSerializer(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    online_level_display = serializers.CharField(source="get_online_level_display", read_only=True)
    is_online = serializers.BooleanField(read_only=True)
    agencies = AgencyRefSerializer(many=True, read_only=True)
    time_limits = serializers.SerializerMethodField(help_text="Thời hạn từng trường hợp của phiên bản hiện hành.")
    url = serializers.HyperlinkedIdentityField(view_name="procedure-api-detail", lookup_field="code")
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Procedure
        fields = ["code", "name", "national_code_published", "field", "level", "level_display", "online_level",
                  "online_level_display", "is_online", "fee_vnd", "fee_note", "agencies", "time_limits", "url",
                  "page_url"]

    @extend_schema_field(CaseTimeSerializer(many=True))
    def get_time_limits(self, procedure):
        version = procedure.current_version
        return CaseTimeSerializer(version.cases.all() if version else [], many=True).data


class VersionSerializer(serializers.Serializer):
    decision_number = serializers.CharField(help_text="Quyết định công bố.")
    decision_date = serializers.DateField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class ProcedureDetailSerializer(ProcedureListSerializer):
    version = VersionSerializer(source="current_version", read_only=True, allow_null=True,
                                help_text="Phiên bản hiện hành (null: chưa công bố).")
    cases = serializers.SerializerMethodField(help_text="Các trường hợp của phiên bản hiện hành.")
    submit_url = serializers.SerializerMethodField(help_text="Nộp hồ sơ trực tuyến (null: không nộp trực tuyến).")

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields, "local_code", "level_note", "coordinating_agencies", "steps",
            "accepts_desk", "accepts_postal", "accepts_online", "postal_return", "applicants", "conditions",
            "result", "legal_basis", "source", "is_active", "version", "cases", "submit_url",
        ]

    @extend_schema_field(CaseSerializer(many=True))
    def get_cases(self, procedure):
        version = procedure.current_version
        return CaseSerializer(version.cases.all() if version else [], many=True, context=self.context).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_submit_url(self, procedure):
        if not (procedure.is_active and procedure.is_online and procedure.accepts_online):
            return None
        path = online_submission_url(procedure.code)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# --------------------------------------------------------------------------- views


@extend_schema(tags=[TAG])
class ProcedureListAPI(PublicAPIView, generics.ListAPIView):
    serializer_class = ProcedureListSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProcedureFilter
    pagination_class = CatalogPagination

    def get_queryset(self):
        # The filter set runs the search selector (active procedures only, ranked when q is given).
        return catalog_list()

    @extend_schema(
        summary="Tìm kiếm thủ tục hành chính",
        description="Tìm theo tên hoặc mã, không phân biệt dấu và chữ hoa/thường; lọc theo lĩnh vực (mã), cấp, "
                    "cơ quan (mã định danh) và mức độ dịch vụ công trực tuyến. Kết quả khớp nhất đứng trước.",
        responses={200: ProcedureListSerializer(many=True), 400: ERRORS_400, 404: ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class ProcedureDetailAPI(PublicAPIView, generics.RetrieveAPIView):
    serializer_class = ProcedureDetailSerializer
    lookup_field = "code"

    def get_object(self):
        try:
            return procedure_detail(self.kwargs["code"])
        except Procedure.DoesNotExist:
            raise NotFound(_("Không tìm thấy thủ tục mã “%(code)s”.") % {"code": self.kwargs["code"]}) from None

    @extend_schema(
        summary="Chi tiết một thủ tục",
        description="Toàn bộ thông tin công bố: phiên bản hiện hành, các trường hợp với thành phần hồ sơ, "
                    "thời hạn, phí và quy trình nội bộ.",
        responses={200: ProcedureDetailSerializer, 404: ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class FieldListAPI(PublicAPIView, generics.ListAPIView):
    serializer_class = FieldSerializer
    pagination_class = None
    queryset = fields_with_counts()

    @extend_schema(summary="Danh sách lĩnh vực", responses={200: FieldSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AgencyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AgencyKind.choices, label=_("Cấp"))
    parent = CodeChoiceFilter(
        queryset=Agency.objects.all(), to_field_name="code", label=_("Cơ quan cấp trên (mã định danh)"),
    )

    class Meta:
        model = Agency
        fields = ["kind", "parent"]


@extend_schema(tags=[TAG])
class AgencyListAPI(PublicAPIView, generics.ListAPIView):
    serializer_class = AgencySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AgencyFilter
    pagination_class = CatalogPagination

    def get_queryset(self):
        return public_agencies()

    @extend_schema(
        summary="Danh sách cơ quan",
        description="Cơ quan đang hoạt động với mã định danh điện tử (tiền tố của mã hồ sơ) và giờ làm việc.",
        responses={200: AgencySerializer(many=True), 400: ERRORS_400, 404: ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
