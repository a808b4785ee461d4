from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("procedures.api_urls")),
    path("", include("dossiers.api_urls")),
    path("", include("reception.api_urls")),
    path("", include("ratings.api_urls")),
    path("", include("dashboard.api_urls")),
]

urlpatterns = [
    # The API first: the page routes below include two whole apps at "", which every API request would
    # otherwise walk through before its own prefix (a tenth of a public tracking request's time).
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tai-khoan/", include("accounts.urls")),
    path("thu-tuc/", include("procedures.urls")),
    path("", include("dossiers.urls")),
    path("", include("dossiers.online_urls")),
    path("canh-bao/", include("dossiers.alert_urls")),
    path("mot-cua/", include("reception.urls")),
    path("danh-gia/", include("ratings.urls")),
    path("thong-ke/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
