"""Reading a participant's weekly availability as they edit it."""

from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import Organization
from participants.models import Participant, WeeklyAvailability


def availability_list(
    *, organization: Organization, participant: Participant
) -> QuerySet[WeeklyAvailability]:
    return (
        WeeklyAvailability.objects.for_org(organization)
        .filter(participant=participant)
        .order_by("weekday", "starts_at", "id")
    )
