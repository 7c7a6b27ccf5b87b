"""The requests views receive, typed with what the project's middleware adds to them.

Nothing here exists at run time beyond the class names: Django and DRF hand views their own
request objects, and the middleware sets the attributes. A view names one of these classes in
its signature so the type checker knows `request.organization` and the rest. The apps' models
are named under `TYPE_CHECKING` only, so `core` still imports no app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User
    from organizations.models import Membership, Organization


class HtmxRequest(HttpRequest):
    """Any request: django-htmx's middleware says whether htmx sent it."""

    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """A request to a view behind `login_required`: someone is signed in."""

    user: User


class OrganizationRequest(AuthenticatedRequest):
    """A request to a page under `/o/<org_slug>/`, declared with `core.permissions.requires`.

    `organizations.middleware` has resolved the organization and the signed-in member's
    membership before the view runs, and refused anyone else.
    """

    organization: Organization
    membership: Membership


class OrganizationAPIRequest(Request):
    """An API request once `organizations.api_auth` has admitted it.

    The organization comes from the API key or the member's session; an API key has no
    membership.
    """

    organization: Organization
    membership: Membership | None
