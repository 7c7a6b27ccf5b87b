from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.rls import across_organizations
from organizations.models import (
    AuditLogEntry,
    Invitation,
    Membership,
    Organization,
    OrganizationAPIKey,
)


def organization_get_for_member(*, slug: str, user: User) -> tuple[Organization, Membership]:
    """The organization and the user's membership, or 404 — the same for missing and foreign."""
    membership = (
        Membership.objects.with_scopes_disabled()
        .select_related("organization")
        .filter(organization__slug=slug, user=user)
        .first()
    )
    if membership is None:
        raise Http404(_("No such organization."))
    return membership.organization, membership


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every organization the user belongs to, for the switcher: scoped by the user, not an org."""
    with across_organizations():
        return list(
            Membership.objects.with_scopes_disabled()
            .filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )


def membership_get_for_org(*, organization: Organization, user: User) -> Membership | None:
    return Membership.objects.for_org(organization).filter(user=user).first()


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.for_org(organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def membership_get(*, organization: Organization, membership_id: int) -> Membership:
    membership = membership_list(organization=organization).filter(pk=membership_id).first()
    if membership is None:
        raise Http404(_("No such member."))
    return membership


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_org(organization)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get(*, organization: Organization, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.for_org(organization).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404(_("No such invitation."))
    return invitation


def api_key_get(*, organization: Organization, api_key_id: str) -> OrganizationAPIKey:
    api_key = OrganizationAPIKey.scoped.for_org(organization).filter(pk=api_key_id).first()
    if api_key is None:
        raise Http404(_("No such API key."))
    return api_key


def api_key_list(*, organization: Organization) -> QuerySet[OrganizationAPIKey]:
    return (
        OrganizationAPIKey.scoped.for_org(organization)
        .select_related("created_by")
        .order_by("-created")
    )


def audit_log_list(*, organization: Organization) -> QuerySet[AuditLogEntry]:
    return AuditLogEntry.objects.for_org(organization).select_related("actor")
