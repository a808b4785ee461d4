from django.urls import path

from .views import citizen, files, journey, staff, tracking

app_name = "dossiers"
urlpatterns = [
    # Public tracking (the receipt's QR code opens tracking-token).
    path("tra-cuu/", tracking.tracking, name="tracking"),
    path("tra-cuu/t/<str:token>/", tracking.tracking_token, name="tracking-token"),
    # The citizen's online submission journey.
    path("nop-ho-so/<str:code>/", journey.submit_start, name="submit-start"),
    path("nop-ho-so/ho-so/<int:pk>/thong-tin/", journey.submit_details, name="submit-details"),
    path("nop-ho-so/ho-so/<int:pk>/giay-to/<int:index>/", journey.submit_document, name="submit-document"),
    path("nop-ho-so/ho-so/<int:pk>/tep/<int:attachment_pk>/xoa/", journey.submit_remove_attachment,
         name="submit-remove-attachment"),
    path("nop-ho-so/ho-so/<int:pk>/kiem-tra/", journey.submit_review, name="submit-review"),
    path("nop-ho-so/ho-so/<int:pk>/da-nop/", journey.submit_done, name="submit-done"),
    # "Hồ sơ của tôi".
    path("ho-so-cua-toi/", citizen.my_dossiers, name="my-dossiers"),
    path("ho-so-cua-toi/<int:pk>/", citizen.my_dossier, name="my-dossier"),
    path("ho-so-cua-toi/<int:pk>/rut-ho-so/", citizen.withdraw, name="withdraw"),
    path("ho-so-cua-toi/<int:pk>/bo-sung/", citizen.supplement, name="supplement"),
    # Staff.
    path("xu-ly/", staff.inbox, name="inbox"),
    path("xu-ly/ho-so/<int:pk>/", staff.detail, name="detail"),
    path("xu-ly/ho-so/<int:pk>/thao-tac/<slug:action>/", staff.act, name="action"),
    # Scoped downloads.
    path("ho-so/tai-lieu/<int:pk>/", files.document, name="document"),
    path("ho-so/tep-dinh-kem/<int:pk>/", files.attachment, name="attachment"),
]
