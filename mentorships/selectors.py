from __future__ import annotations

from django.db.models import Q, QuerySet

from mentorships.models import Mentorship
from organizations.models import Organization


def mentorship_list_by_ids(*, organization: Organization, ids: list[int]) -> QuerySet[Mentorship]:
    return (
        Mentorship.objects.for_org(organization)
        .filter(pk__in=ids)
        .select_related("mentor", "mentor__user", "cohort", "cohort__program")
        .prefetch_related("mentees", "mentees__user")
    )


def mentorship_list_for_user(*, organization: Organization, user) -> QuerySet[Mentorship]:
    """Mentorships where the user is the mentor or one of the mentees."""
    return (
        Mentorship.objects.for_org(organization)
        .filter(Q(mentor__user=user) | Q(memberships__mentee__user=user))
        .select_related("mentor", "cohort", "cohort__program")
        .prefetch_related("mentees")
        .distinct()
        .order_by("-started_on", "-id")
    )
