from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import EmailKind, EmailPreference, Notification

if TYPE_CHECKING:
    from organizations.models import Organization


def notification_list(*, organization: Organization, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.for_org(organization).filter(user=user).order_by("-created_at", "-id")
    )


def notification_unread_count(*, organization: Organization, user: User) -> int:
    return (
        notification_list(organization=organization, user=user).filter(read_at__isnull=True).count()
    )


def email_preferences_of(*, organization: Organization, user: User) -> dict[str, bool]:
    """Each kind of email and whether the person gets it here (no row means on)."""
    chosen = dict(
        EmailPreference.objects.for_org(organization)
        .filter(user=user)
        .values_list("kind", "enabled")
    )
    return {kind: chosen.get(kind, True) for kind in EmailKind.values}
