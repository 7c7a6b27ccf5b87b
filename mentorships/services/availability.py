"""A participant's weekly availability: the windows, in their own time zone, in which others
may book check-ins with them. It belongs to the participant (`participants.WeeklyAvailability`);
it is written here because booking is what reads it."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.db import transaction
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from organizations.models import Organization
from participants.models import Participant, WeeklyAvailability

MOST_WINDOWS = 30  # a few windows a day for every day of the week
MIDNIGHT = dt.time(0)


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 is Monday
    starts_at: dt.time
    ends_at: dt.time  # 00:00 means midnight at the end of the day

    @property
    def end_minute(self) -> int:
        return self.ends_at.hour * 60 + self.ends_at.minute or 24 * 60

    @property
    def start_minute(self) -> int:
        return self.starts_at.hour * 60 + self.starts_at.minute


def _day_name(weekday: int) -> str:
    return str(WeeklyAvailability.Weekday(weekday).label)


def _clock(value: dt.time) -> str:
    return time_format(value, "G:i")


def _span(window: Window) -> str:
    return f"{_clock(window.starts_at)}\N{EN DASH}{_clock(window.ends_at)}"


def _validate(windows: list[Window]) -> None:
    if len(windows) > MOST_WINDOWS:
        raise DomainError(
            _("Keep to %(most)d windows a week.") % {"most": MOST_WINDOWS}, field="windows"
        )
    for window in windows:
        if not 0 <= window.weekday <= 6:
            raise DomainError(_("Choose a day of the week."), field="windows")
        if window.starts_at.second or window.ends_at.second:
            raise DomainError(_("Give times in whole minutes."), field="windows")
        if window.start_minute >= window.end_minute:
            raise DomainError(
                _("On %(day)s, %(window)s ends before it starts (00:00 means midnight).")
                % {
                    "day": _day_name(window.weekday),
                    "window": _span(window),
                },
                field="windows",
            )
    ordered = sorted(windows, key=lambda w: (w.weekday, w.start_minute))
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.start_minute < before.end_minute:
            raise DomainError(
                _("On %(day)s, %(first)s and %(second)s overlap: make them one window.")
                % {
                    "day": _day_name(before.weekday),
                    "first": _span(before),
                    "second": _span(after),
                },
                field="windows",
            )


@transaction.atomic
def availability_replace(
    *,
    organization: Organization,
    participant: Participant,
    actor: User,
    windows: list[Window],
) -> list[WeeklyAvailability]:
    """Replace the participant's week with these windows; only the participant edits it. An
    empty week means their working hours stand in again."""
    locked = (
        Participant.objects.for_org(organization)
        .select_for_update()
        .filter(pk=participant.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such participant."), code="not_found")
    if locked.user_id != actor.pk:
        raise DomainError(_("Only you edit your availability."), code="permission_denied")
    _validate(windows)
    WeeklyAvailability.objects.for_org(organization).filter(participant=locked).delete()
    return WeeklyAvailability.objects.bulk_create(
        [
            WeeklyAvailability(
                organization=organization,
                participant=locked,
                weekday=window.weekday,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
            )
            for window in sorted(windows, key=lambda w: (w.weekday, w.start_minute))
        ]
    )
