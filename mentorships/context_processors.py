"""What the app shell shows about a person's mentorships."""

from __future__ import annotations

from django.http import HttpRequest

from mentorships.selectors.messages import unread_total


def unread_messages(request: HttpRequest) -> dict:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)

    def count() -> int:
        # Lazy: one count query, only when the navigation draws the badge.
        if organization is None or user is None or not user.is_authenticated:
            return 0
        return unread_total(organization=organization, user=user)

    return {"nav_unread_messages": count}
