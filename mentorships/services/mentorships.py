"""Creating mentorships (from a published match)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from mentorships.models import (
    Mentorship,
    MentorshipMentee,
)
from organizations.models import Organization
from participants.models import Participant
from programs.models import Cohort
from webhooks.services import EventType, event_emit, events_emit


@dataclass(frozen=True)
class MentorshipSeats:
    """One mentorship to create: a mentor's participant id with the mentees' ids."""

    mentor_id: int
    mentee_ids: tuple[int, ...]
    seat_role: str = ""


@transaction.atomic
def mentorship_create_from_match(
    *,
    organization: Organization,
    cohort: Cohort,
    mentor: Participant,
    mentees: list[Participant],
    seat_role: str = "",
    source_round_id: int | None = None,
) -> Mentorship:
    """One mentor with their mentees. Everyone must belong to the cohort's organization."""
    people = [mentor, *mentees]
    if any(p.organization_id != organization.pk or p.cohort_id != cohort.pk for p in people):
        raise DomainError(_("Mentorship members must belong to the cohort."), code="not_found")
    mentorship = Mentorship.objects.create(
        organization=organization,
        cohort=cohort,
        mentor=mentor,
        seat_role=seat_role,
        started_on=max(timezone.localdate(), cohort.starts_on),
        source_round_id=source_round_id,
    )
    MentorshipMentee.objects.bulk_create(
        [
            MentorshipMentee(organization=organization, mentorship=mentorship, mentee=mentee)
            for mentee in mentees
        ]
    )
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.MENTORSHIP_STARTED,
        payload={
            "mentorship_id": mentorship.pk,
            "cohort_id": cohort.pk,
            "mentor_id": mentor.pk,
            "mentee_ids": [mentee.pk for mentee in mentees],
            "started_on": mentorship.started_on,
            "match_round_id": source_round_id,
        },
    )
    return mentorship


@transaction.atomic
def mentorships_create_from_match(
    *,
    organization: Organization,
    cohort: Cohort,
    seats: Sequence[MentorshipSeats],
    source_round_id: int | None = None,
) -> list[Mentorship]:
    """Many mentorships at once, in the order of `seats`, in a fixed number of queries.

    Everyone must be a participant of the cohort in the organization. Each table gets one
    INSERT for the whole batch: PostgreSQL returns the new ids, and 10,000 mentorships take
    about a second where one INSERT pair per mentorship took over ten.
    """
    people = {seat.mentor_id for seat in seats}
    people.update(mentee_id for seat in seats for mentee_id in seat.mentee_ids)
    if not people:
        return []
    found = Participant.objects.for_org(organization).filter(cohort=cohort, pk__in=people).count()
    if found != len(people):
        raise DomainError(_("Mentorship members must belong to the cohort."), code="not_found")
    started_on = max(timezone.localdate(), cohort.starts_on)
    created_at = timezone.now()
    mentorships = Mentorship.objects.bulk_create(
        [
            Mentorship(
                organization=organization,
                cohort=cohort,
                mentor_id=seat.mentor_id,
                seat_role=seat.seat_role,
                started_on=started_on,
                source_round_id=source_round_id,
                created_at=created_at,
            )
            for seat in seats
        ]
    )
    MentorshipMentee.objects.bulk_create(
        [
            MentorshipMentee(
                organization=organization,
                mentorship_id=mentorship.pk,
                mentee_id=mentee_id,
                created_at=created_at,
            )
            for mentorship, seat in zip(mentorships, seats, strict=True)
            for mentee_id in seat.mentee_ids
        ]
    )
    events_emit(
        organization_id=organization.pk,
        event_type=EventType.MENTORSHIP_STARTED,
        payloads=[
            {
                "mentorship_id": mentorship.pk,
                "cohort_id": cohort.pk,
                "mentor_id": seat.mentor_id,
                "mentee_ids": list(seat.mentee_ids),
                "started_on": started_on,
                "match_round_id": source_round_id,
            }
            for mentorship, seat in zip(mentorships, seats, strict=True)
        ],
    )
    return mentorships
