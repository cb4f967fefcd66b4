"""Shared pieces of the REST API: the error shape is DRF's ``{"detail": ...}``."""

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk.core.exceptions import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    """The error body of every API view, for the OpenAPI schema."""

    class Meta:
        ref_name = "Error"

    detail = serializers.CharField()
