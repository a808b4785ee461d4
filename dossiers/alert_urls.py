from django.urls import path

from . import alert_views

app_name = "alerts"
urlpatterns = [
    path("", alert_views.alert_list, name="list"),
    path("<int:pk>/da-doc/", alert_views.alert_read, name="read"),
    path("da-doc-tat-ca/", alert_views.alert_read_all, name="read-all"),
]
