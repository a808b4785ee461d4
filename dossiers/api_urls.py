from django.urls import path

from . import api_calendar

urlpatterns = [
    path("calendar/due/", api_calendar.DueView.as_view(), name="api-calendar-due"),
    path("calendar/working-days/", api_calendar.WorkingDaysView.as_view(), name="api-calendar-working-days"),
]
