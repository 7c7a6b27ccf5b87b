"""What the app shell shows about a person's mentorships."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.http import HttpRequest

from mentorships.models import MentorshipStatus
from mentorships.selectors.home import card_count_annotations
from mentorships.selectors.mentorships import mentorship_list_for_user
from mentorships.selectors.messages import unread_total


@dataclass(frozen=True)
class NavMentorships:
    """For the program team's navigation: whether the person takes part in an active
    mentorship, and the messages waiting for them there."""

    shown: bool
    unread: int


def unread_messages(request: HttpRequest) -> dict:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)

    def count() -> int:
        # Lazy: one count query, only when the navigation draws the badge.
        if organization is None or user is None or not user.is_authenticated:
            return 0
        return unread_total(organization=organization, user=user)

    def mine() -> NavMentorships:
        # Lazy, for the program team's navigation only: a manager or administrator who also
        # mentors (or is mentored) gets "My mentorships" with its badge. One query.
        if organization is None or user is None or not user.is_authenticated:
            return NavMentorships(shown=False, unread=0)
        rows = (
            mentorship_list_for_user(organization=organization, user=user)
            .filter(status=MentorshipStatus.ACTIVE)
            .select_related(None)
            .prefetch_related(None)
            .only("pk")
            .annotate(**card_count_annotations(organization=organization, user=user))
            .aggregate(unread=Sum("unread_messages"))
        )
        unread = rows["unread"]
        return NavMentorships(shown=unread is not None, unread=unread or 0)

    return {"nav_unread_messages": count, "nav_my_mentorships": mine}
