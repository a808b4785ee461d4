from django.urls import path

from . import api

urlpatterns = [
    path("procedures/", api.ProcedureListAPI.as_view(), name="procedure-api-list"),
    path("procedures/<str:code>/", api.ProcedureDetailAPI.as_view(), name="procedure-api-detail"),
    path("fields/", api.FieldListAPI.as_view(), name="field-api-list"),
    path("agencies/", api.AgencyListAPI.as_view(), name="agency-api-list"),
]
