"""Resolves `/o/<org_slug>/…` requests: membership, role and tenant scope, in one place."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_scopes import scope

from organizations.permissions import role_can
from organizations.selectors import organization_get_for_member

CURRENT_ORG_SESSION_KEY = "current_organization_id"


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        with ExitStack() as stack:
            request._organization_scope = stack  # type: ignore[attr-defined]
            return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        capability = getattr(view_func, "required_capability", None)
        if capability is None:
            # Fail closed: a page under an organization must say who may see it.
            raise ImproperlyConfigured(
                f"{view_func.__module__}.{view_func.__name__} lacks @requires"
            )
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # Not a member and no such organization answer alike (404), so slugs do not leak.
        organization, membership = organization_get_for_member(slug=slug, user=request.user)
        if not role_can(membership.role, capability):
            raise PermissionDenied
        request.organization = organization  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request._organization_scope.enter_context(scope(organization=organization.pk))  # type: ignore[attr-defined]
        if request.session.get(CURRENT_ORG_SESSION_KEY) != organization.pk:
            request.session[CURRENT_ORG_SESSION_KEY] = organization.pk
        return None
