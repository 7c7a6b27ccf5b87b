"""Project-wide REST pieces: pagination and the JSON error shape."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class CreatedCursorPagination(CursorPagination):
    """Stable under inserts: newest first, tie-broken by id inside `ordering`."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers `{"error": {"code", "message", "fields"}}`.

    Field-level validation messages stay under `fields` keyed by field name, so a client can
    show each message beside its input.
    """
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "error": {
                "code": "invalid",
                "message": _("The request has invalid fields."),
                "fields": detail,
            }
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": {"code": code, "message": str(detail), "fields": {}}}
    return response
