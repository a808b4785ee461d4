"""API error shape: every error is ``{"code": ..., "detail": ...}`` (plus ``errors`` for field errors)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": str(exc.message)}, status=exc.http_status)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"code": "permission_denied", "detail": str(exc) or "Bạn không có quyền thực hiện thao tác này."},
            status=status.HTTP_403_FORBIDDEN,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = {"code": "invalid", "detail": "Dữ liệu không hợp lệ.", "errors": response.data}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(exc, "default_code", "error")
        if hasattr(detail, "code"):
            code = detail.code
        response.data = {"code": code, "detail": str(detail)}
    return response
