"""URLs of the fully online service (issue 7), under the namespace "online"."""

from django.urls import path

from . import online_views as views

app_name = "online"
urlpatterns = [
    # Fees paid online (VNPay protocol; the sandbox gateway only when PAYMENT_PROVIDER=sandbox).
    path("thanh-toan/ho-so/<int:pk>/", views.payment, name="payment"),
    path("thanh-toan/vnpay/tra-ve/", views.payment_return, name="payment-return"),
    path("thanh-toan/vnpay/ipn/", views.payment_ipn, name="payment-ipn"),
    path("thanh-toan/sandbox/", views.sandbox_gateway, name="sandbox-gateway"),
    # Electronic results.
    path("xu-ly/ho-so/<int:pk>/ket-qua-dien-tu/", views.result_upload, name="result-upload"),
    path("xu-ly/ho-so/<int:pk>/tra-ket-qua-truc-tuyen/", views.result_return, name="result-return"),
    path("ho-so-cua-toi/<int:pk>/ket-qua/", views.result_download, name="result-download"),
    # The citizen's document store; the desk digitises into it.
    path("kho-giay-to/", views.document_store, name="store"),
    path("kho-giay-to/<int:pk>/", views.store_file, name="store-file"),
    path("kho-giay-to/<int:pk>/xoa/", views.store_remove, name="store-remove"),
    path("nop-ho-so/ho-so/<int:pk>/giay-to/<int:index>/tu-kho/", views.attach_from_store, name="attach-from-store"),
    path("mot-cua/so-hoa/", views.desk_digitise, name="desk-digitise"),
]
