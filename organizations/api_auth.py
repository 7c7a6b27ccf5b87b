"""How the REST API learns the organization, and who may do what there."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import User
from core.http import OrganizationAPIRequest
from organizations.middleware import CURRENT_ORG_SESSION_KEY
from organizations.models import Membership, Organization, OrganizationAPIKey
from organizations.permissions import Capability, role_can

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

API_KEY_KEYWORD = "Api-Key"


class OrganizationAPIKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: the key alone names the organization."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, OrganizationAPIKey] | None:
        header = get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != API_KEY_KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as `Authorization: Api-Key <key>`.")
            )
        prefix = header[1].partition(".")[0]
        api_key = (
            OrganizationAPIKey.objects.get_usable_keys()
            .select_related("organization")
            .filter(prefix=prefix)
            .first()
        )
        if api_key is None or not api_key.is_valid(header[1]):
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        now = timezone.now()
        # One write a minute at most, not one per request.
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            OrganizationAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return API_KEY_KEYWORD


def request_actor(request: Request) -> User | OrganizationAPIKey | None:
    """Who a write is audited under: the member, or the API key (which has no person)."""
    if isinstance(request.auth, OrganizationAPIKey):
        return request.auth
    return request.user if request.user and request.user.is_authenticated else None


def _session_organization(request: Request) -> tuple[Organization, Membership] | None:
    user = request.user
    if not user or not user.is_authenticated:
        return None
    slug = request.headers.get("X-Organization")
    memberships = (
        Membership.objects.with_scopes_disabled().select_related("organization").filter(user=user)
    )
    if slug:
        membership = memberships.filter(organization__slug=slug).first()
    else:
        org_id = (
            request.session.get(CURRENT_ORG_SESSION_KEY) if hasattr(request, "session") else None
        )
        membership = memberships.filter(organization_id=org_id).first() if org_id else None
    if membership is None:
        return None
    return membership.organization, membership


class HasOrganizationAccess(permissions.BasePermission):
    """Sets `request.organization`; checks key scopes or the member's role.

    Views declare `read_capability`/`write_capability` (members) and
    `read_scope`/`write_scope` (API keys).
    """

    message: StrOrPromise = gettext_lazy("You do not have access to this.")

    def has_permission(self, request: Request, view) -> bool:
        safe = request.method in permissions.SAFE_METHODS
        # From here the request carries its organization (core.http.OrganizationAPIRequest).
        admitted = cast(OrganizationAPIRequest, request)
        if isinstance(request.auth, OrganizationAPIKey):
            api_key = request.auth
            admitted.organization = api_key.organization
            admitted.membership = None
            scope = getattr(view, "read_scope" if safe else "write_scope", None)
            if scope is None or not api_key.has_scope(scope):
                self.message = _("This API key lacks the `%(scope)s` scope.") % {"scope": scope}
                return False
            return True
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        resolved = _session_organization(request)
        if resolved is None:
            self.message = _(
                "Choose an organization: open it in the app or send `X-Organization: <slug>`."
            )
            return False
        organization, membership = resolved
        admitted.organization, admitted.membership = organization, membership
        capability: Capability | None = getattr(
            view, "read_capability" if safe else "write_capability", None
        )
        return capability is not None and role_can(membership.role, capability)


class AnonymousRateThrottle(AnonRateThrottle):
    """DRF's per-address budget, for requests with neither a session nor an API key.

    A request with a key belongs to its organization and counts against that budget alone:
    under the per-address one, every organization behind one proxy or NAT would share 60
    requests a minute.
    """

    def get_cache_key(self, request: Request, view) -> str | None:
        if isinstance(request.auth, OrganizationAPIKey):
            return None
        return super().get_cache_key(request, view)


class OrganizationRateThrottle(SimpleRateThrottle):
    """One budget per organization, shared by its keys; a member's session has its own.

    Never keyed by client address, so X-Forwarded-For cannot move a request to another budget.
    """

    scope = "organization"

    def get_cache_key(self, request: Request, view) -> str | None:
        if isinstance(request.auth, OrganizationAPIKey):
            ident = f"org-{request.auth.organization_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
