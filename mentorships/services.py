from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import Organization
from participants.models import Participant
from programs.models import Cohort


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
    return mentorship
