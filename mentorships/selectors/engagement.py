"""A program's engagement rules (reminders, nudges, what counts as at risk)."""

from __future__ import annotations

from mentorships.models import EngagementSettings
from organizations.models import Organization


def engagement_settings_for(
    organization: Organization, program_ids: set[int]
) -> dict[int, EngagementSettings]:
    """Each program's rules; programs without a row get the defaults (an unsaved row)."""
    saved = {
        row.program_id: row
        for row in EngagementSettings.objects.for_org(organization).filter(
            program_id__in=program_ids
        )
    }
    return {
        program_id: saved.get(program_id)
        or EngagementSettings(organization=organization, program_id=program_id)
        for program_id in program_ids
    }
