"""Reading check-ins and when people can meet."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import DomainError
from mentorships import scheduling
from mentorships.models import CheckIn, CheckInRecord, CheckInStatus, Mentorship
from mentorships.selectors.mentorships import mentorship_members
from organizations.models import Organization
from participants.models import Participant, WeeklyAvailability


def check_in_get(*, organization: Organization, check_in_id: int) -> CheckIn:
    check_in = (
        CheckIn.objects.for_org(organization)
        .filter(pk=check_in_id)
        .select_related("mentorship", "organizer")
        .first()
    )
    if check_in is None:
        raise DomainError(_("No such check-in."), code="not_found")
    return check_in


def check_in_list(*, organization: Organization, mentorship: Mentorship) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .order_by("starts_at", "id")
    )


def availability_of(*, organization: Organization, participant: Participant) -> scheduling.Person:
    """A participant's weekly free time in their own zone. Without any set, their working
    hours on weekdays stand in, since that is what they told the program when they enrolled."""
    rows = WeeklyAvailability.objects.for_org(organization).filter(participant=participant)
    windows = tuple(
        scheduling.WeeklyWindow.of(row.weekday, row.starts_at, row.ends_at) for row in rows
    )
    if not windows and participant.working_hours_start != participant.working_hours_end:
        start, end = participant.working_hours_start, participant.working_hours_end
        if end > start or end == dt.time(0):
            windows = tuple(scheduling.WeeklyWindow.of(day, start, end) for day in range(5))
        else:  # a night shift: from the start to midnight, and from midnight to the end
            windows = tuple(
                window
                for day in range(5)
                for window in (
                    scheduling.WeeklyWindow.of(day, start, dt.time(0)),
                    scheduling.WeeklyWindow.of((day + 1) % 7, dt.time(0), end),
                )
            )
    return scheduling.Person(
        time_zone=participant.time_zone, windows=windows, country=str(participant.country or "")
    )


def busy_intervals(
    *,
    organization: Organization,
    participants: list[Participant],
    start: dt.datetime,
    end: dt.datetime,
) -> list[scheduling.Interval]:
    """Scheduled check-ins of any of these people between two instants."""
    ids = [p.pk for p in participants]
    rows = (
        CheckIn.objects.for_org(organization)
        .filter(status=CheckInStatus.SCHEDULED, starts_at__lt=end, ends_at__gt=start)
        .filter(Q(mentorship__mentor_id__in=ids) | Q(mentorship__memberships__mentee_id__in=ids))
        .values_list("starts_at", "ends_at")
        .distinct()
    )
    return sorted(rows)


def check_in_slots(
    *,
    organization: Organization,
    mentorship: Mentorship,
    start: dt.datetime,
    end: dt.datetime,
    duration: dt.timedelta,
    skip_holidays: bool = False,
) -> list[scheduling.Slot]:
    """When every member is free and none of them has another check-in."""
    members = mentorship_members(organization=organization, mentorship=mentorship)
    people = [availability_of(organization=organization, participant=p) for p in members]
    busy = busy_intervals(organization=organization, participants=members, start=start, end=end)
    return [
        slot
        for slot in scheduling.common_slots(
            people, start, end, duration=duration, skip_holidays=skip_holidays
        )
        if not any(slot.start < ends and begins < slot.end for begins, ends in busy)
    ]


def check_in_record_list(
    *, organization: Organization, mentorship: Mentorship
) -> QuerySet[CheckInRecord]:
    """Every member's account of every check-in of the mentorship."""
    return CheckInRecord.objects.for_org(organization).filter(check_in__mentorship=mentorship)


def check_in_record_of(
    *, organization: Organization, check_in: CheckIn, participant: Participant
) -> CheckInRecord | None:
    return (
        CheckInRecord.objects.for_org(organization)
        .filter(check_in=check_in, participant=participant)
        .first()
    )
