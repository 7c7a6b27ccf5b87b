"""The API's pagination. A module of its own: DRF reads it while `rest_framework.generics`
loads, so it cannot live beside the viewset base."""

from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Stable under inserts: newest first, tie-broken by id inside `ordering`."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
