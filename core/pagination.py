"""The API's pagination. A module of its own: DRF reads it while `rest_framework.generics`
loads, so it cannot live beside the viewset base."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class CreatedCursorPagination(CursorPagination):
    """Stable under inserts: newest first, tie-broken by id inside `ordering`.

    A `page_size` that is not a whole number from 1 to `max_page_size` is refused (400), as its
    schema says, instead of quietly falling back to the default.
    """

    ordering = ("-created_at", "-id")
    page_size: int = 50
    page_size_query_param: str = "page_size"
    max_page_size: int = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
