from django.urls import path, re_path

from . import queue_views, views

app_name = "reception"
urlpatterns = [
    path("", views.desk, name="desk"),
    # The queue: the clerk's buttons, then the public kiosk, printed slip and waiting-room display.
    path("quay/", queue_views.counter_select, name="counter-select"),
    path("goi-so/", queue_views.call_next, name="call-next"),
    re_path(r"^goi-so/(?P<pk>\d+)/(?P<action>recall|skip|done)/$", queue_views.ticket_action, name="ticket-action"),
    path("lay-so/<str:agency_code>/", queue_views.kiosk, name="kiosk"),
    path("so/<str:token>/", queue_views.ticket_page, name="ticket"),
    path("man-hinh/<str:agency_code>/", queue_views.display, name="display"),
    path("man-hinh/<str:agency_code>/bang/", queue_views.display_board, name="display-board"),
]
