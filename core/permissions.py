"""What a page needs, declared on the view; `organizations.middleware` enforces it.

The capability names are the vocabulary every app's views use; which role holds which
capability is decided in `organizations.permissions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest

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
    MANAGE_WEBHOOKS = "manage_webhooks"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT_LOG = "view_audit_log"


_Request = TypeVar("_Request", bound=HttpRequest)
_Params = ParamSpec("_Params")
_Response = TypeVar("_Response")


def requires(
    capability: Capability,
) -> Callable[
    [Callable[Concatenate[_Request, _Params], _Response]],
    Callable[Concatenate[_Request, _Params], _Response],
]:
    """Declares what a view under `/o/<org_slug>/` needs; the middleware enforces it.

    The view then runs with the database restricted to the organization's rows (row-level
    security), inside the request's transaction.
    """

    def decorate(
        view: Callable[Concatenate[_Request, _Params], _Response],
    ) -> Callable[Concatenate[_Request, _Params], _Response]:
        def restricted(
            request: _Request, /, *args: _Params.args, **kwargs: _Params.kwargs
        ) -> _Response:
            organization = getattr(request, "organization", None)
            if organization is None:
                return view(request, *args, **kwargs)
            with organization_rls(organization.pk):
                return view(request, *args, **kwargs)

        # `functools.wraps` as a call: its result's type would hide the view's signature.
        functools.update_wrapper(restricted, view)
        restricted.required_capability = capability  # type: ignore[attr-defined]
        return restricted

    return decorate
