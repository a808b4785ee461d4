from django.urls import path
from django.views.generic import TemplateView

app_name = "procedures"
urlpatterns = [
    # Placeholder until the catalog views land.
    path("", TemplateView.as_view(template_name="home.html"), name="list"),
]
