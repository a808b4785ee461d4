from django.urls import path

from . import api, api_calendar

urlpatterns = [
    path("calendar/due/", api_calendar.DueView.as_view(), name="api-calendar-due"),
    path("calendar/working-days/", api_calendar.WorkingDaysView.as_view(), name="api-calendar-working-days"),
    path("dossiers/", api.DossierCreateAPI.as_view(), name="api-dossier-create"),
    path("dossiers/<int:pk>/", api.DossierDetailAPI.as_view(), name="api-dossier-detail"),
    path("dossiers/<int:pk>/submit/", api.DossierSubmitAPI.as_view(), name="api-dossier-submit"),
    path("dossiers/<int:pk>/attachments/", api.AttachmentCreateAPI.as_view(), name="api-dossier-attachments"),
    path("dossiers/<int:pk>/attachments/<int:attachment_pk>/", api.AttachmentDeleteAPI.as_view(),
         name="api-dossier-attachment"),
    *[
        path(f"dossiers/<int:pk>/actions/{action}/", view.as_view(), name=f"api-dossier-{action.replace('_', '-')}")
        for action, view in api.ACTION_VIEWS.items()
    ],
    path("inbox/", api.InboxAPI.as_view(), name="api-inbox"),
    path("my-dossiers/", api.MyDossiersAPI.as_view(), name="api-my-dossiers"),
    path("my-dossiers/<int:pk>/withdraw/", api.MyDossierWithdrawAPI.as_view(), name="api-my-dossier-withdraw"),
    path("my-dossiers/<int:pk>/complete-supplement/", api.MyDossierSupplementAPI.as_view(),
         name="api-my-dossier-complete-supplement"),
    path("tracking/<str:code>/", api.TrackingAPI.as_view(), name="api-tracking"),
]
