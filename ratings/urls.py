from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    # The citizen rates a returned dossier: by code and phone, through the link / QR, or at the desk's kiosk.
    path("", views.rate_lookup, name="rate-lookup"),
    path("t/<str:token>/", views.rate, name="rate"),
    path("quay/", views.kiosk, name="kiosk"),
    path("quay/ho-so/<int:pk>/", views.kiosk_rate, name="kiosk-rate"),
    # Feedback (phản ánh, kiến nghị).
    path("phan-anh/", views.feedback_published, name="feedback-published"),
    path("phan-anh/gui/", views.feedback_new, name="feedback-new"),
    path("phan-anh/tra-cuu/", views.feedback_lookup, name="feedback-lookup"),
    path("phan-anh/ma/<str:code>/", views.feedback_status, name="feedback-status"),
    # Staff.
    path("xu-ly/", views.inbox, name="inbox"),
    path("xu-ly/<int:pk>/", views.detail, name="detail"),
    path("xu-ly/thong-bao/da-doc/", views.notices_read, name="notices-read"),
    path("ket-qua-danh-gia/", views.ratings_list, name="ratings-list"),
]
