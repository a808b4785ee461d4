from django.urls import path

from . import api

urlpatterns = [
    path("ratings/", api.RatingCreateAPI.as_view(), name="api-rating-create"),
    path("feedback/", api.FeedbackCreateAPI.as_view(), name="api-feedback-create"),
    path("feedback/lookup/", api.FeedbackLookupAPI.as_view(), name="api-feedback-lookup"),
    path("feedback/published/", api.PublishedAPI.as_view(), name="api-feedback-published"),
    path("feedback/inbox/", api.InboxAPI.as_view(), name="api-feedback-inbox"),
    *[
        path(f"feedback/<int:pk>/actions/{name}/", view.as_view(), name=f"api-feedback-{name.replace('_', '-')}")
        for name, view in api.ACTION_VIEWS.items()
    ],
]
