"""This app's routes under /api/v1/, registered by mentoring/api_urls.py."""

from rest_framework.routers import BaseRouter

from mentorships.apis import CheckInViewSet, GoalViewSet, MentorshipViewSet, MessageViewSet


def register(router: BaseRouter) -> None:
    """Register this app's viewsets on the API router."""
    router.register("mentorships", MentorshipViewSet, basename="mentorship")
    router.register("check-ins", CheckInViewSet, basename="check-in")
    router.register("goals", GoalViewSet, basename="goal")
    router.register("messages", MessageViewSet, basename="message")
