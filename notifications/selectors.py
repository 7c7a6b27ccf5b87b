from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification

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
