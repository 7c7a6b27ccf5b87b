"""Rankings participants give the other side, read by rounds the program team runs."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from matching import selectors
from matching.config import (
    MAX_STATED_PREFERENCES,
    config_from_json,
)
from matching.models import (
    PreferenceSide,
    StatedPreference,
)
from organizations.models import Organization
from organizations.services import audit_log_record
from participants.models import Participant
from programs.models import CohortStatus

logger = logging.getLogger(__name__)


@transaction.atomic
def stated_preferences_save(
    *,
    organization: Organization,
    participant: Participant,
    side: str,
    preferred_ids: list[int],
) -> list[StatedPreference]:
    """Replace the participant's ranking of the other side; an empty list clears it.

    Only people the cohort's rules allow as a partner can be ranked, so a ranking never points
    at a pair the round would refuse anyway."""
    if participant.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    cohort = participant.cohort
    config = config_from_json(cohort.matching_settings)
    if not config.collects_preferences or cohort.status == CohortStatus.CLOSED:
        raise DomainError(_("This cohort does not ask for rankings."))
    if side not in PreferenceSide.values or not (
        participant.is_mentee if side == PreferenceSide.AS_MENTEE else participant.is_mentor
    ):
        raise DomainError(_("You are not enrolled on that side of this cohort."), field="side")
    if len(preferred_ids) > MAX_STATED_PREFERENCES or len(set(preferred_ids)) != len(preferred_ids):
        raise DomainError(
            _("Choose up to %(n)d different people.") % {"n": MAX_STATED_PREFERENCES},
            field="preferred",
        )
    allowed = {
        r.person.pk: r.person
        for r in selectors.recommendation_list(
            organization=organization, participant=participant, side=side, limit=10_000
        )
    }
    if any(preferred_id not in allowed for preferred_id in preferred_ids):
        raise DomainError(_("One of those people is not available to you."), field="preferred")
    StatedPreference.objects.for_org(organization).filter(
        participant=participant, side=side
    ).delete()
    ranking = StatedPreference.objects.bulk_create(
        StatedPreference(
            organization=organization,
            cohort=cohort,
            participant=participant,
            side=side,
            preferred=allowed[preferred_id],
            rank=rank,
        )
        for rank, preferred_id in enumerate(preferred_ids, start=1)
    )
    audit_log_record(
        organization=organization,
        actor=participant.user,
        action="preferences.save",
        target=participant.email,
    )
    return ranking
