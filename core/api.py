"""The API's floor: the scoped viewset base and the one error mapping.

The organization comes from authentication, never from input. Every error, a service's
`DomainError` included, answers the JSON error shape.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, TypeVar

import django_filters
from django import db, forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django_scopes import scope
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, status, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.http import OrganizationAPIRequest
from core.parsers import JSONParser
from core.rls import organization_rls

if TYPE_CHECKING:
    from organizations.models import Organization

_M = TypeVar("_M", bound=models.Model)

logger = logging.getLogger(__name__)

# A lost database connection is replaced on the next request (CONN_HEALTH_CHECKS): a client
# retrying after this many seconds finds a fresh one.
DATABASE_RETRY_AFTER_SECONDS = 5


# Lost-connection errors by SQLSTATE class: 08 (connection exception) and 57P (the server
# shut down, crashed or is starting). Other operator interventions (57014, a statement timeout
# or cancel) leave the connection working: retrying would fail the same way.
_LOST_SQLSTATE_PREFIXES = ("08", "57P")
# What libpq says when the connection died without a SQLSTATE reaching the client.
_LOST_MESSAGES = (
    "terminating connection",
    "server closed the connection",
    "connection already closed",
    "connection not open",
    "no connection to the server",
    "could not connect to server",
    "connection to server",
    "ssl connection has been closed",
    "ssl syscall error",
    "could not receive data from server",
    "could not send data to server",
)


def database_connection_lost(error: BaseException | None, wrapper: Any = None) -> bool:
    """Whether `error` means the database connection died (a retry gets a fresh one), rather
    than a query that failed on a working connection (a timeout, a lock, a deadlock, SQLite's
    "no such table"), which is a bug or a conflict to log as any other error. `wrapper` is the
    Django connection the error came from (the default one unless given)."""
    if isinstance(error, db.InterfaceError):
        return True
    if not isinstance(error, db.OperationalError):
        return False
    cause = error.__cause__
    # psycopg2 names it `pgcode`, psycopg 3 `sqlstate`.
    sqlstate = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None) or ""
    if sqlstate.startswith(_LOST_SQLSTATE_PREFIXES):
        return True
    raw = getattr(wrapper or db.connection, "connection", None)
    if raw is not None and getattr(raw, "closed", False):
        return True
    message = str(error).lower()
    return any(marker in message for marker in _LOST_MESSAGES)


def _database_lost_message() -> str:
    return _("The database connection was lost. Try again in a few seconds.")


class OrganizationScopedViewSet(viewsets.GenericViewSet[_M]):
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
    model: type[_M]
    # JSON only: a form body cannot carry the nested and list fields the resources have, so
    # the schema would promise bodies the API must refuse. Other media types answer 415.
    parser_classes = [JSONParser]
    # Permission checks (`organizations.api_auth`) set the organization before any handler.
    request: OrganizationAPIRequest
    _organization_scope: ExitStack | None

    def organization_queryset(self, organization: Organization) -> QuerySet[_M]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[_M]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return self.organization_queryset(self.request.organization)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # `self.request` is `request`, its organization set by the permission check above.
        organization = self.request.organization
        self._organization_scope = ExitStack()
        self._organization_scope.enter_context(scope(organization=organization.pk))
        # ATOMIC_REQUESTS: the request's transaction ends right after `finalize_response`.
        self._organization_scope.enter_context(
            organization_rls(organization.pk, ends_with_transaction=True)
        )

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # Every error has one documented shape, JSON, whatever format was asked for: a CSV
        # renderer would write the error as a spreadsheet (or nothing), a client expecting rows.
        if getattr(self.request, "accepted_renderer", None) is not None:
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        self._close_organization_scope()
        return super().finalize_response(request, response, *args, **kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # An error no handler maps skips `finalize_response`: the scope must not outlive
            # the request on this thread.
            self._close_organization_scope()

    def _close_organization_scope(self) -> None:
        organization_scope = getattr(self, "_organization_scope", None)
        if organization_scope is None:
            return
        self._organization_scope = None
        try:
            organization_scope.close()
        except (db.OperationalError, db.InterfaceError) as error:
            # Restoring the row-level-security setting needs the connection that just died;
            # the transaction that held the setting died with it.
            logger.warning("organization scope closed on a lost connection: %s", error)


# Ids are PostgreSQL bigints: a larger number names nothing, and the schema says so.
ID_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """An id in a query: a whole number from 1 to `ID_MAX`, as the schema says."""

    # The stubs pin NumberFilter's field class to DecimalField; any number field works.
    field_class = forms.IntegerField  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.TypedChoiceFilter):
    """`true` or `false` only: django-filter's own also reads `null`, `unknown`, `2`… as "no
    filter", which no schema can say."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["choices"] = [("true", "true"), ("false", "false")]
        kwargs["coerce"] = lambda value: value == "true"
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """A sent parameter holds a value: django-filter reads `?cohort=` as no filter, while the
    schema calls an empty string no integer and no member of an enum. Text filters may be empty."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.data or {}
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.CharFilter) or filter_.method:
                continue
            if name in data and data.get(name) == "":
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        super().__init__(
            _("The request body is larger than %(size)s MB.") % {"size": f"{megabytes:g}"}
        )


def as_api_exception(error: Exception) -> Exception:
    """An error as the DRF error it means. A service's refusal: field messages stay keyed by
    field, `not_found` is 404 and `permission_denied` 403. Django's 404 gets a message, a body
    over `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413 and a lost database connection a 503. Other
    exceptions, any other database error included, pass unchanged: DRF re-raises them, Django
    logs them with their traceback and `server_error` answers the JSON 500."""
    if isinstance(error, Http404):
        # Django's message names the model ("No Program matches…") or is empty (a non-integer
        # id): one translated message for every missing thing.
        return exceptions.NotFound()
    if isinstance(error, RequestDataTooBig):
        return RequestTooLarge()
    if database_connection_lost(error):
        return DatabaseUnavailable(_database_lost_message())
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
    original, exc = exc, as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    set_rollback()
    if isinstance(exc, DatabaseUnavailable):
        logger.warning("database connection lost: %s", original)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
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
        message = getattr(exc, "detail", str(exc))
        code = getattr(message, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": {"code": code, "message": str(message), "fields": {}}}
    return response


class JSONWhateverWasAsked(DefaultContentNegotiation):
    """JSON, whatever the Accept header or `?format=` says: an answer that can only be an error
    has one shape, and refusing the Accept header (406) would hide what went wrong."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), JSONRenderer.media_type


class NotFoundView(APIView):
    """Every path under the API that matches nothing: the JSON 404, for anyone, whatever they
    accept (`Accept: text/csv` or a malformed header too)."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    content_negotiation_class = JSONWhateverWasAsked
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Raised before the method is looked at: a POST to a missing path is a 404, not a 405.
        super().initial(request, *args, **kwargs)
        # This view matching every path stops Django's APPEND_SLASH redirect: name the address.
        with_slash = request.path_info + "/"
        if not request.path_info.endswith("/") and self._is_route(with_slash):
            raise exceptions.NotFound(_("Not found. Did you mean %(path)s?") % {"path": with_slash})
        raise exceptions.NotFound()

    @staticmethod
    def _is_route(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return getattr(match.func, "view_class", None) is not NotFoundView


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
    """`handler500`: the JSON error shape under /api/, Django's page elsewhere.

    A database connection that died under the request (the server restarted, a failover, a
    terminated backend) is a 503 with `Retry-After`: the request may well succeed when retried.
    Django calls this inside its `except` block, so the exception is still at hand.
    """
    if database_connection_lost(sys.exc_info()[1]):
        message = _database_lost_message()
        if _is_api(request):
            response: HttpResponse = _error_json("service_unavailable", message, 503)
        else:
            response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return _error_json("error", _("Something went wrong on our side. Try again."), 500)
    return defaults.server_error(request)
