"""Reading a mentorship's messages and what each member has not read yet."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships.models import Mentorship, Message, ThreadRead
from organizations.models import Organization


def message_get(*, organization: Organization, message_id: int) -> Message:
    message = (
        Message.objects.for_org(organization)
        .filter(pk=message_id)
        .select_related("mentorship", "author")
        .first()
    )
    if message is None:
        raise DomainError(_("No such message."), code="not_found")
    return message


def message_list(
    *, organization: Organization, mentorship: Mentorship, limit: int = 200
) -> list[Message]:
    """The latest messages, oldest first."""
    latest = (
        Message.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
    return list(reversed(latest))


def _unread(organization: Organization, user: User) -> QuerySet[Message]:
    """Messages by others in the user's mentorships, after what the user has read."""
    read_marks = ThreadRead.objects.for_org(organization).filter(
        mentorship_id=OuterRef("mentorship_id"), participant__user=user
    )
    return (
        Message.objects.for_org(organization)
        .filter(Q(mentorship__mentor__user=user) | Q(mentorship__memberships__mentee__user=user))
        .exclude(author__user=user)
        .annotate(
            seen=Exists(read_marks.filter(read_until__gte=OuterRef("created_at"))),
        )
        .filter(seen=False)
    )


def unread_counts(*, organization: Organization, user: User) -> dict[int, int]:
    """Unread messages per mentorship of the user, in one query."""
    rows = (
        _unread(organization, user)
        .values("mentorship_id")
        .annotate(unread=Count("pk", distinct=True))
        .order_by()
    )
    return {row["mentorship_id"]: row["unread"] for row in rows}


def unread_total(*, organization: Organization, user: User) -> int:
    """For the navigation: one query."""
    return _unread(organization, user).values("pk").distinct().count()


__all__ = ["message_get", "message_list", "unread_counts", "unread_total"]
