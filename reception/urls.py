from django.urls import path, re_path

from . import queue_views, views

app_name = "reception"
urlpatterns = [
    path("", views.desk, name="desk"),
    # Intake at the counter (walk-in, postal), then the desk's own page of the dossier.
    path("tiep-nhan/", views.intake_start, name="intake-start"),
    path("tiep-nhan/<int:pk>/", views.intake, name="intake"),
    path("tiep-nhan/nguoi-nop/", views.applicant_lookup, name="applicant-lookup"),
    path("ho-so/<int:pk>/", views.dossier, name="dossier"),
    path("ho-so/<int:pk>/kiem-tra/", views.check, name="check"),
    path("ho-so/<int:pk>/phi/", views.record_fee, name="fee"),
    path("ho-so/<int:pk>/tra-ket-qua/", views.return_result, name="return"),
    path("tim/", views.find, name="find"),
    # Assisted digital: an online dossier filed for a citizen account.
    path("nop-ho/", views.assisted_start, name="assisted-start"),
    path("nop-ho/<int:pk>/cong-dan/<int:citizen_pk>/", views.assisted, name="assisted"),
    # The queue: the clerk's buttons, then the public kiosk, printed slip and waiting-room display.
    path("quay/", queue_views.counter_select, name="counter-select"),
    path("goi-so/", queue_views.call_next, name="call-next"),
    re_path(r"^goi-so/(?P<pk>\d+)/(?P<action>recall|skip|done)/$", queue_views.ticket_action, name="ticket-action"),
    path("lay-so/<str:agency_code>/", queue_views.kiosk, name="kiosk"),
    path("so/<str:token>/", queue_views.ticket_page, name="ticket"),
    path("man-hinh/<str:agency_code>/", queue_views.display, name="display"),
    path("man-hinh/<str:agency_code>/bang/", queue_views.display_board, name="display-board"),
]
