"""The API's floor: the scoped viewset base and the one error mapping.

The organization comes from authentication, never from input. Every error, a service's
`DomainError` included, answers the JSON error shape.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django_scopes import scope
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.rls import organization_rls


class OrganizationScopedViewSet(viewsets.GenericViewSet):
    """Subclasses implement `organization_queryset(organization)`; `get_queryset` is sealed.

    A subclass cannot forget the organization filter, because it never writes the query that
    reaches the database without it.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} must implement organization_queryset, not get_queryset"
            )

    # The model served; the schema generator reads it without a request or an organization.
    model: type[models.Model]

    def organization_queryset(self, organization) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.organization_queryset(self.request.organization)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._organization_scope = ExitStack()
        self._organization_scope.enter_context(scope(organization=request.organization.pk))
        self._organization_scope.enter_context(organization_rls(request.organization.pk))

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        organization_scope = getattr(self, "_organization_scope", None)
        if organization_scope is not None:
            organization_scope.close()
            self._organization_scope = None
        return super().finalize_response(request, response, *args, **kwargs)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        super().__init__(
            _("The request body is larger than %(size)s MB.") % {"size": f"{megabytes:g}"}
        )


def as_api_exception(error: Exception) -> Exception:
    """A service's refusal as the DRF error it means: field messages stay keyed by field,
    `not_found` is 404 and `permission_denied` 403. Other exceptions pass unchanged."""
    if isinstance(error, Http404):
        # Django's message names the model ("No Program matches…") or is empty (a non-integer
        # id): one translated message for every missing thing.
        return exceptions.NotFound()
    if isinstance(error, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(error, DjangoValidationError):
        return exceptions.ValidationError(
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
    if isinstance(error, DomainError):
        if error.code == "not_found" and not error.field:
            return exceptions.NotFound(error.message)
        if error.code == "permission_denied":
            return exceptions.PermissionDenied(error.message)
        return exceptions.ValidationError({error.field or "non_field_errors": [error.message]})
    return error


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers `{"error": {"code", "message", "fields"}}`.

    Field-level validation messages stay under `fields` keyed by field name, so a client can
    show each message beside its input.
    """
    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    set_rollback()
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


class NotFoundView(APIView):
    """Every path under the API that matches nothing: the JSON 404, for anyone."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Raised before the method is looked at: a POST to a missing path is a 404, not a 405.
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error_json(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": {}}}, status=status_code
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: the JSON error shape under /api/, Django's page elsewhere."""
    if _is_api(request):
        return _error_json("not_found", str(exceptions.NotFound.default_detail), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: the JSON error shape under /api/, Django's page elsewhere."""
    if _is_api(request):
        return _error_json("error", _("Something went wrong on our side. Try again."), 500)
    return defaults.server_error(request)
