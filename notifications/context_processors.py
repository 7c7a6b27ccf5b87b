from django.http import HttpRequest

from notifications.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)

    def count() -> int:
        # Lazy: one count query, only when the navigation draws the badge.
        if organization is None or user is None or not user.is_authenticated:
            return 0
        return notification_unread_count(organization=organization, user=user)

    return {"unread_notifications": count}
