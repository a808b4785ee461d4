from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("ho-so/", views.drilldown, name="drilldown"),
    path("chi-so-766/", views.index, name="index"),
    path("xuat/excel/", views.export_xlsx, name="export-xlsx"),
    path("xuat/csv/", views.export_csv, name="export-csv"),
    path("bao-cao/", views.report_pdf, name="report-pdf"),
    # Public: aggregates only (on-time rate and satisfaction per agency and procedure).
    path("cong-khai/", views.transparency, name="public"),
]
