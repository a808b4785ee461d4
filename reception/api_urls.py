from django.urls import path

from . import api

urlpatterns = [
    path("desk/intake/", api.IntakeView.as_view(), name="api-desk-intake"),
    path("desk/online-queue/", api.OnlineQueueView.as_view(), name="api-desk-online-queue"),
    path("desk/dossiers/<int:pk>/receive/", api.ReceiveView.as_view(), name="api-desk-receive"),
    path("desk/dossiers/<int:pk>/supplement/", api.SupplementView.as_view(), name="api-desk-supplement"),
    path("desk/dossiers/<int:pk>/refuse/", api.RefuseView.as_view(), name="api-desk-refuse"),
    path("desk/dossiers/<int:pk>/return/", api.ReturnView.as_view(), name="api-desk-return"),
    path("desk/dossiers/<int:pk>/fee/", api.FeeView.as_view(), name="api-desk-fee"),
    path("desk/counters/<int:pk>/call-next/", api.CallNextView.as_view(), name="api-desk-call-next"),
]
