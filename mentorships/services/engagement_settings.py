"""A program's engagement rules, set by its program team: when reminders and nudges go out and
what counts as at risk."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships.models import EngagementSettings
from organizations.models import Organization
from organizations.services import audit_log_record
from programs.models import Program

MAX_REMINDERS = 4
MAX_REMINDER_HOURS = 14 * 24
MAX_NUDGES = 5
MAX_NUDGE_DAYS = 90


def engagement_settings_get(*, organization: Organization, program: Program) -> EngagementSettings:
    """The program's saved rules, or the defaults (an unsaved row) when it has none."""
    return EngagementSettings.objects.for_org(organization).filter(
        program=program
    ).first() or EngagementSettings(organization=organization, program=program)


def _sorted_unique(values: list[int], *, field: str, most: int, largest: int) -> list[int]:
    values = sorted(set(values), reverse=True)
    if len(values) > most:
        raise DomainError(
            _("Choose at most %(most)d.") % {"most": most}, field=field, code="invalid"
        )
    if any(value < 1 or value > largest for value in values):
        raise DomainError(
            _("Each must be between 1 and %(largest)d.") % {"largest": largest},
            field=field,
            code="invalid",
        )
    return values


@transaction.atomic
def engagement_settings_update(
    *,
    organization: Organization,
    program: Program,
    actor: User | None,
    reminder_hours: list[int],
    first_check_in_nudge_days: list[int],
    quiet_after_days: int,
    low_rating_below: int,
    unanswered_message_days: int,
    overdue_goal_nudges: bool,
) -> EngagementSettings:
    """Save the program's rules. Reminders already planned keep their times; check-ins booked
    or moved from now on get the new ones."""
    if program.organization_id != organization.pk:
        raise DomainError(_("No such program."), code="not_found")
    reminder_hours = _sorted_unique(
        reminder_hours, field="reminder_hours", most=MAX_REMINDERS, largest=MAX_REMINDER_HOURS
    )
    nudge_days = sorted(
        _sorted_unique(
            first_check_in_nudge_days,
            field="first_check_in_nudge_days",
            most=MAX_NUDGES,
            largest=MAX_NUDGE_DAYS,
        )
    )
    if not 1 <= low_rating_below <= 5:
        raise DomainError(
            _("Choose a rating between 1 and 5."), field="low_rating_below", code="invalid"
        )
    for field, days in (
        ("quiet_after_days", quiet_after_days),
        ("unanswered_message_days", unanswered_message_days),
    ):
        if not 1 <= days <= 365:
            raise DomainError(_("Choose between 1 and 365 days."), field=field, code="invalid")
    settings, _created = EngagementSettings.objects.for_org(organization).update_or_create(
        organization=organization,
        program=program,
        defaults={
            "reminder_hours": reminder_hours,
            "first_check_in_nudge_days": nudge_days,
            "quiet_after_days": quiet_after_days,
            "low_rating_below": low_rating_below,
            "unanswered_message_days": unanswered_message_days,
            "overdue_goal_nudges": overdue_goal_nudges,
        },
    )
    audit_log_record(
        organization=organization,
        actor=actor,
        action="engagement_settings.update",
        target=program.name,
        data={"program_id": program.pk, "reminder_hours": reminder_hours},
    )
    return settings
