from django.urls import path

from . import api

urlpatterns = [
    path("stats/summary/", api.SummaryAPI.as_view(), name="api-stats-summary"),
    path("stats/by-agency/", api.ByAgencyAPI.as_view(), name="api-stats-by-agency"),
    path("stats/by-field/", api.ByFieldAPI.as_view(), name="api-stats-by-field"),
    path("stats/by-procedure/", api.ByProcedureAPI.as_view(), name="api-stats-by-procedure"),
    path("stats/trend/", api.TrendAPI.as_view(), name="api-stats-trend"),
    path("stats/index/", api.IndexAPI.as_view(), name="api-stats-index"),
    path("stats/public/", api.PublicStatsAPI.as_view(), name="api-stats-public"),
]
