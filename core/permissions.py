"""What a page needs, declared on the view; `organizations.middleware` enforces it.

The capability names are the vocabulary every app's views use; which role holds which
capability is decided in `organizations.permissions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum

from django.http import HttpRequest, HttpResponse

from core.rls import organization_rls


class Capability(StrEnum):
    VIEW_CATALOG = "view_catalog"
    ENROLL = "enroll"
    VIEW_PROGRAMS_ADMIN = "view_programs_admin"
    MANAGE_PROGRAMS = "manage_programs"
    VIEW_PARTICIPANTS = "view_participants"
    MANAGE_PARTICIPANTS = "manage_participants"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT_LOG = "view_audit_log"


def requires(capability: Capability) -> Callable:
    """Declares what a view under `/o/<org_slug>/` needs; the middleware enforces it.

    The view then runs with the database restricted to the organization's rows (row-level
    security), inside the request's transaction.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def restricted(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            organization = getattr(request, "organization", None)
            if organization is None:
                return view(request, *args, **kwargs)
            with organization_rls(organization.pk):
                return view(request, *args, **kwargs)

        restricted.required_capability = capability  # type: ignore[attr-defined]
        return restricted

    return decorate
