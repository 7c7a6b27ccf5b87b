from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from notifications.services import email_send
from organizations.models import (
    APIKeyScope,
    AuditLogEntry,
    Invitation,
    Membership,
    Organization,
    OrganizationAPIKey,
    Role,
)
from organizations.permissions import ASSIGNABLE_ROLES, Capability, role_can

# Who a write is audited under: a member, an API key (no person stands behind one) or nobody.
AuditActor = User | OrganizationAPIKey | None


def audit_log_record(
    *,
    organization: Organization,
    actor: AuditActor,
    action: str,
    target: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """`actor` is the person, or the API key a write was made with: no person stands behind a
    key, so the entry records the key's prefix (not secret: keys are hashed) and name."""
    data = dict(data or {})
    if isinstance(actor, OrganizationAPIKey):
        data["api_key"] = {"prefix": actor.prefix, "name": actor.name}
        data["actor_label"] = f"API key {actor.prefix} ({actor.name})"
        actor = None
    return AuditLogEntry.objects.create(
        organization=organization, actor=actor, action=action, target=target[:200], data=data
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    name = name.strip()
    if not name:
        raise DomainError(_("An organization needs a name."), field="name")
    organization = Organization.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    audit_log_record(organization=organization, actor=owner, action="organization.create")
    return organization


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_can_assign(*, actor_membership: Membership, role: str) -> None:
    if role not in ASSIGNABLE_ROLES.get(actor_membership.role, ()):
        raise DomainError(_("You cannot give the role “%(role)s”.") % {"role": role}, field="role")


@transaction.atomic
def invitation_create(
    *, organization: Organization, invited_by: Membership, email: str, role: str
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and the raw token."""
    if not role_can(invited_by.role, Capability.MANAGE_MEMBERS):
        raise DomainError(_("You cannot invite people."), code="permission_denied")
    _check_can_assign(actor_membership=invited_by, role=role)
    email = email.strip().lower()
    if Membership.objects.for_org(organization).filter(user__email__iexact=email).exists():
        raise DomainError(_("%(email)s is already a member.") % {"email": email}, field="email")
    # A fresh invitation replaces any pending one, so only the newest link works.
    Invitation.objects.for_org(organization).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=invited_by.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    accept_url = settings.SITE_URL.rstrip("/") + reverse(
        "invitation_accept", kwargs={"token": token}
    )
    email_send(
        organization=organization,
        to=email,
        template="invitation",
        context={
            "organization": organization,
            "inviter": invited_by.user,
            "accept_url": accept_url,
            "expires_at": invitation.expires_at,
            "role": invitation.get_role_display(),
        },
        idempotency_key=f"invitation:{invitation.pk}",
    )
    audit_log_record(
        organization=organization,
        actor=invited_by.user,
        action="invitation.create",
        target=email,
        data={"role": role},
    )
    return invitation, token


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """Tokens are global secrets; the lookup is by hash, before any organization is known."""
    return (
        Invitation.objects.with_scopes_disabled()
        .select_related("organization", "invited_by")
        .filter(token_hash=_hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_get_by_token(token=token)
    if invitation is None or not invitation.is_pending:
        raise DomainError(_("This invitation link is invalid or has expired."), code="invalid_link")
    if invitation.email.lower() != user.email.lower():
        raise DomainError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            code="wrong_user",
        )
    organization = invitation.organization
    claimed = (
        Invitation.objects.for_org(organization)
        .filter(pk=invitation.pk, accepted_at__isnull=True)
        .update(accepted_at=timezone.now())
    )
    if claimed != 1:
        raise DomainError(_("This invitation was already used."), code="invalid_link")
    membership, _created = Membership.objects.for_org(organization).get_or_create(
        organization=organization, user=user, defaults={"role": invitation.role}
    )
    audit_log_record(
        organization=organization, actor=user, action="invitation.accept", target=user.email
    )
    return membership


@transaction.atomic
def invitation_revoke(
    *, organization: Organization, actor: Membership, invitation: Invitation
) -> None:
    if not role_can(actor.role, Capability.MANAGE_MEMBERS):
        raise DomainError(_("You cannot manage invitations."), code="permission_denied")
    if invitation.organization_id != organization.pk:
        raise DomainError(_("No such invitation."), code="not_found")
    Invitation.objects.for_org(organization).filter(
        pk=invitation.pk, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    audit_log_record(
        organization=organization,
        actor=actor.user,
        action="invitation.revoke",
        target=invitation.email,
    )


def _lock_owners(organization: Organization) -> None:
    """Take the organization's row lock before reading any membership: two owners demoting or
    removing each other at the same moment would otherwise each count the other as the owner
    left, both succeed, and leave none. The second waits here until the first commits, then
    counts what it left. Taken first by every membership change, so their locks never cross."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _owner_count(organization: Organization) -> int:
    return Membership.objects.for_org(organization).filter(role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(
    *, organization: Organization, actor: Membership, membership: Membership, role: str
) -> Membership:
    if not role_can(actor.role, Capability.MANAGE_MEMBERS):
        raise DomainError(_("You cannot change roles."), code="permission_denied")
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    _check_can_assign(actor_membership=actor, role=role)
    _lock_owners(organization)
    # The guard judges the role the database has now, not the caller's copy (a page opened
    # before an owner promoted this member), and holds the row until the change commits.
    locked = (
        Membership.objects.for_org(organization)
        .select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such member."), code="not_found")
    membership = locked
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise DomainError(_("Only an owner can change another owner's role."), field="role")
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(organization) <= 1:
        raise DomainError(_("An organization needs at least one owner."), field="role")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log_record(
        organization=organization,
        actor=actor.user,
        action="membership.role_change",
        target=membership.user.email,
        data={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(
    *, organization: Organization, actor: Membership, membership: Membership
) -> None:
    is_self = membership.pk == actor.pk
    if not is_self and not role_can(actor.role, Capability.MANAGE_MEMBERS):
        raise DomainError(_("You cannot remove members."), code="permission_denied")
    _lock_owners(organization)
    if membership.role == Role.OWNER:
        if actor.role != Role.OWNER:
            raise DomainError(_("Only an owner can remove an owner."), code="permission_denied")
        if _owner_count(organization) <= 1:
            raise DomainError(_("An organization needs at least one owner."))
    email = membership.user.email
    membership.delete()
    audit_log_record(
        organization=organization, actor=actor.user, action="membership.remove", target=email
    )


# Scopes a role may put on a key it creates: a key never outranks its creator.
def allowed_api_key_scopes(role: str) -> list[str]:
    allowed = [APIKeyScope.READ.value]
    if role_can(role, Capability.MANAGE_PROGRAMS):
        allowed.append(APIKeyScope.WRITE.value)
    if role_can(role, Capability.VIEW_REPORTS):
        allowed.append(APIKeyScope.REPORTS_READ.value)
    return allowed


@transaction.atomic
def api_key_create(
    *, organization: Organization, actor: Membership, name: str, scopes: list[str]
) -> tuple[OrganizationAPIKey, str]:
    """Returns the key row and the full key, which is never retrievable again."""
    if not role_can(actor.role, Capability.MANAGE_API_KEYS):
        raise DomainError(_("You cannot create API keys."), code="permission_denied")
    name = name.strip()
    if not name:
        raise DomainError(_("Give the key a name so you can recognise it later."), field="name")
    if not scopes:
        raise DomainError(_("Choose at least one scope."), field="scopes")
    refused = sorted(set(scopes) - set(allowed_api_key_scopes(actor.role)))
    if refused:
        raise DomainError(
            _("Your role cannot grant: %(scopes)s.") % {"scopes": ", ".join(refused)},
            field="scopes",
        )
    try:
        created, key = OrganizationAPIKey.objects.create_key(
            name=name, organization=organization, scopes=sorted(set(scopes)), created_by=actor.user
        )
        # The library annotates its base class; its manager builds this model.
        api_key = cast(OrganizationAPIKey, created)
    except IntegrityError as exc:  # pragma: no cover — prefix collision, astronomically rare
        raise DomainError(_("Could not create the key; try again.")) from exc
    audit_log_record(
        organization=organization,
        actor=actor.user,
        action="api_key.create",
        target=name,
        data={"prefix": api_key.prefix, "scopes": api_key.scopes},
    )
    return api_key, key


@transaction.atomic
def api_key_revoke(
    *, organization: Organization, actor: Membership, api_key: OrganizationAPIKey
) -> None:
    if not role_can(actor.role, Capability.MANAGE_API_KEYS):
        raise DomainError(_("You cannot revoke API keys."), code="permission_denied")
    if api_key.organization_id != organization.pk:
        raise DomainError(_("No such API key."), code="not_found")
    # HR analysts manage their own keys; owners and admins manage everyone's.
    if api_key.created_by_id != actor.user_id and not role_can(
        actor.role, Capability.MANAGE_MEMBERS
    ):
        raise DomainError(_("You can only revoke keys you created."), code="permission_denied")
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    audit_log_record(
        organization=organization,
        actor=actor.user,
        action="api_key.revoke",
        target=api_key.name,
        data={"prefix": api_key.prefix},
    )


@transaction.atomic
def signup_complete(*, user: User, organization_name: str, invitation_token: str | None) -> None:
    """A new user either joins through their invitation or founds an organization."""
    if invitation_token:
        try:
            invitation_accept(token=invitation_token, user=user)
            return
        except DomainError:
            # The link died between the visit and the sign-up, or names another address: found
            # an organization if a name was given, otherwise land on the organization list.
            pass
    if organization_name.strip():
        organization_create(name=organization_name, owner=user)
