"""The base every tenant API view uses: the organization comes from auth, never from input."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django_scopes import scope
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.errors import DomainError
from organizations.rls import organization_rls


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


def raise_as_api_error(error: Exception) -> None:
    """Service errors become DRF errors: field messages stay keyed by field; not_found is 404."""
    if isinstance(error, DjangoValidationError):
        raise exceptions.ValidationError(
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        ) from error
    if isinstance(error, DomainError):
        if error.code == "not_found" and not error.field:
            raise exceptions.NotFound(error.message) from error
        if error.code == "permission_denied":
            raise exceptions.PermissionDenied(error.message) from error
        raise exceptions.ValidationError(
            {error.field or "non_field_errors": [error.message]}
        ) from error
    raise error
