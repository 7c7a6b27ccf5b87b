from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships import scheduling
from mentorships.models import CheckIn, CheckInStatus, Mentorship, MentorshipMentee
from organizations.models import Organization
from participants.models import Participant, WeeklyAvailability


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


# A person as a match notice names them.
NOTICE_FIELDS = ("id", "full_name", "email", "function", "country", "time_zone", "user_id")


def mentorship_people_list(*, organization: Organization, ids: list[int]) -> list[dict]:
    """Per mentorship, by id: its program's name, its mentor and its mentees (by name), as
    plain rows with each person's account language. Two queries whatever the number."""
    people = (*NOTICE_FIELDS, "user__language")
    mentorships = {
        row["pk"]: {
            "id": row["pk"],
            "program": row["cohort__program__name"],
            "mentor": {field: row[f"mentor__{field}"] for field in people},
            "mentees": [],
        }
        for row in Mentorship.objects.for_org(organization)
        .filter(pk__in=ids)
        .order_by("pk")
        .values("pk", "cohort__program__name", *(f"mentor__{field}" for field in people))
    }
    members = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentorship_id__in=ids)
        .order_by("mentorship_id", "mentee__full_name", "mentee_id")
        .values("mentorship_id", *(f"mentee__{field}" for field in people))
    )
    for row in members:
        mentorships[row["mentorship_id"]]["mentees"].append(
            {field: row[f"mentee__{field}"] for field in people}
        )
    return list(mentorships.values())


def mentorship_members(*, organization: Organization, mentorship: Mentorship) -> list[Participant]:
    """The mentor first, then the mentees by name."""
    mentees = (
        Participant.objects.for_org(organization)
        .filter(
            pk__in=MentorshipMentee.objects.for_org(organization)
            .filter(mentorship=mentorship)
            .values("mentee_id")
        )
        .order_by("full_name", "id")
    )
    mentor = Participant.objects.for_org(organization).get(pk=mentorship.mentor_id)
    return [mentor, *mentees]


def mentorship_get_for_member(
    *, organization: Organization, mentorship_id: int, user: User
) -> tuple[Mentorship, Participant]:
    """A mentorship and the viewer's place in it; not found unless the viewer is a member."""
    mentorship = (
        Mentorship.objects.for_org(organization)
        .filter(pk=mentorship_id)
        .filter(Q(mentor__user=user) | Q(memberships__mentee__user=user))
        .select_related("cohort", "cohort__program")
        .first()
    )
    if mentorship is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    member = next(
        p
        for p in mentorship_members(organization=organization, mentorship=mentorship)
        if p.user_id == user.pk
    )
    return mentorship, member


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


def members_by_mentorship(
    *, organization: Organization, mentorship_ids: set[int]
) -> dict[int, list[dict]]:
    """Each mentorship's mentor and mentees as plain rows (id, name, email, zone, account and
    its language), mentor first. Two queries whatever the number."""
    fields = ("id", "full_name", "email", "time_zone", "user_id", "user__language")
    people: dict[int, list[dict]] = {pk: [] for pk in mentorship_ids}
    for row in (
        Mentorship.objects.for_org(organization)
        .filter(pk__in=mentorship_ids)
        .values("pk", *(f"mentor__{f}" for f in fields))
    ):
        people[row["pk"]].append({f: row[f"mentor__{f}"] for f in fields})
    for row in (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentorship_id__in=mentorship_ids)
        .order_by("mentee__full_name", "mentee_id")
        .values("mentorship_id", *(f"mentee__{f}" for f in fields))
    ):
        people[row["mentorship_id"]].append({f: row[f"mentee__{f}"] for f in fields})
    return people
