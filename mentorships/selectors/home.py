"""Reading a mentorship's home for one of its members: the other people, the next check-in,
the plan's progress, unread messages and where the pair is on the program's learning path.
A fixed number of queries whatever the mentorship holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language_info

from accounts.models import User
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    Goal,
    GoalStatus,
    LearningPath,
    Mentorship,
    Message,
    PathStage,
    ThreadRead,
)
from mentorships.selectors.goals import GoalSummary, goal_summary
from mentorships.selectors.mentorships import loaded_members
from mentorships.selectors.messages import unread_counts
from organizations.models import Organization
from participants.languages import ISO_639_1
from participants.models import Participant


def language_name(code: str) -> str:
    """A language's name in the reader's language where Django knows it, else in English."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return ISO_639_1.get(code, code)


def _codes(person: Participant) -> list[str]:
    return [entry.get("code", "") for entry in person.languages or () if entry.get("code")]


@dataclass(frozen=True)
class Other:
    """Someone the viewer works with in the mentorship."""

    person: Participant
    is_mentor: bool
    languages: list[str]
    shared_languages: list[str]

    @property
    def first_name(self) -> str:
        return (self.person.full_name or self.person.email).split()[0]


def zone_label(time_zone: str) -> str:
    """The city of an IANA zone, as people say it: "America/Sao_Paulo" → "Sao Paulo"."""
    return time_zone.rsplit("/", 1)[-1].replace("_", " ")


class NamedZone(ZoneInfo):
    """A zone that prints as its city ("Mexico City", as the check-in pages name it) and still
    sets `{% timezone %}`: the messages and notes pages use one context value for both."""

    def __str__(self) -> str:
        return zone_label(self.key)


@dataclass(frozen=True)
class LocalTime:
    """One instant as one person reads it."""

    name: str
    time_zone: str
    at: dt.datetime

    @property
    def zone_label(self) -> str:
        return zone_label(self.time_zone)

    @property
    def day(self) -> str:
        return date_format(self.at, "D j M")

    @property
    def clock(self) -> str:
        return date_format(self.at, "G:i")


def local_times(instant: dt.datetime, people: list[Participant]) -> list[LocalTime]:
    """The instant in each person's zone, one entry per distinct zone, in the people's order."""
    seen: set[str] = set()
    times = []
    for person in people:
        if person.time_zone in seen:
            continue
        seen.add(person.time_zone)
        times.append(
            LocalTime(
                person.full_name, person.time_zone, instant.astimezone(ZoneInfo(person.time_zone))
            )
        )
    return times


@dataclass(frozen=True)
class Stage:
    position: int  # 1-based
    total: int
    stage: PathStage


@dataclass(frozen=True)
class MentorshipHome:
    mentorship: Mentorship
    viewer: Participant
    members: list[Participant]
    others: list[Other]
    next_check_in: CheckIn | None
    next_check_in_times: list[LocalTime]
    held_check_ins: int
    upcoming_check_ins: int
    goals: GoalSummary
    unread: int
    stage: Stage | None

    @property
    def viewer_is_mentor(self) -> bool:
        return self.mentorship.mentor_id == self.viewer.pk

    @property
    def next_action(self) -> str:
        """The one thing to do next: book when nothing is planned, else prepare the next one."""
        if self.mentorship.status != "active":
            return ""
        if self.next_check_in is None:
            return "book_first" if self.held_check_ins == 0 else "book"
        if self.unread:
            return "read_messages"
        return "prepare"


def current_stage(
    *, organization: Organization, mentorship: Mentorship, held_check_ins: int, today: dt.date
) -> Stage | None:
    """The last stage of the program's path the mentorship has reached, by its age in days or
    the check-ins it has held; a stage with neither condition is open from the start."""
    path = (
        LearningPath.objects.for_org(organization)
        .filter(program_id=mentorship.cohort.program_id)
        .first()
    )
    if path is None:
        return None
    stages = list(
        PathStage.objects.for_org(organization).filter(path=path).order_by("position", "id")
    )
    age = (today - mentorship.started_on).days
    reached = None
    for index, stage in enumerate(stages, start=1):
        by_days = stage.opens_after_days is not None and age >= stage.opens_after_days
        by_check_ins = (
            stage.opens_after_check_ins is not None
            and held_check_ins >= stage.opens_after_check_ins
        )
        unconditional = stage.opens_after_days is None and stage.opens_after_check_ins is None
        if unconditional or by_days or by_check_ins:
            reached = Stage(position=index, total=len(stages), stage=stage)
    return reached


def held_check_in_count(*, organization: Organization, mentorship: Mentorship) -> int:
    """Check-ins that took place: started, not cancelled, and nobody said it did not happen."""
    now = timezone.now()
    return (
        CheckIn.objects.for_org(organization)
        .filter(mentorship=mentorship, status=CheckInStatus.SCHEDULED, starts_at__lte=now)
        .exclude(
            pk__in=CheckInRecord.objects.for_org(organization)
            .filter(check_in__mentorship=mentorship, happened=False)
            .values("check_in_id")
        )
        .count()
    )


def mentorship_home(
    *, organization: Organization, mentorship: Mentorship, viewer: Participant, user: User
) -> MentorshipHome:
    members = loaded_members(mentorship)
    mine = _codes(viewer)
    others = [
        Other(
            person=person,
            is_mentor=person.pk == mentorship.mentor_id,
            languages=[language_name(c) for c in _codes(person)],
            shared_languages=[language_name(c) for c in mine if c in _codes(person)],
        )
        for person in members
        if person.pk != viewer.pk
    ]
    now = timezone.now()
    upcoming = CheckIn.objects.for_org(organization).filter(
        mentorship=mentorship, status=CheckInStatus.SCHEDULED, ends_at__gt=now
    )
    next_check_in = upcoming.order_by("starts_at", "id").first()
    held = held_check_in_count(organization=organization, mentorship=mentorship)
    viewer_first = [viewer, *(o.person for o in others)]
    return MentorshipHome(
        mentorship=mentorship,
        viewer=viewer,
        members=members,
        others=others,
        next_check_in=next_check_in,
        next_check_in_times=(
            local_times(next_check_in.starts_at, viewer_first) if next_check_in else []
        ),
        held_check_ins=held,
        upcoming_check_ins=upcoming.count(),
        goals=goal_summary(organization=organization, mentorship=mentorship),
        unread=unread_counts(organization=organization, user=user).get(mentorship.pk, 0),
        stage=current_stage(
            organization=organization,
            mentorship=mentorship,
            held_check_ins=held,
            today=timezone.localdate(),
        ),
    )


def check_in_annotations(*, organization: Organization) -> dict[str, Subquery | Exists]:
    """For a list of mentorships (a participant's home): `next_check_in_at`, the start of the
    next scheduled check-in, and `has_met`, whether one has taken place, as subqueries, so the
    list costs no extra query."""
    now = timezone.now()
    scheduled = CheckIn.objects.for_org(organization).filter(
        mentorship_id=OuterRef("pk"), status=CheckInStatus.SCHEDULED
    )
    return {
        "next_check_in_at": Subquery(
            scheduled.filter(ends_at__gt=now).order_by("starts_at", "id").values("starts_at")[:1]
        ),
        "has_met": Exists(scheduled.filter(starts_at__lte=now)),
    }


def _count_per_mentorship(rows: QuerySet[Any]) -> Coalesce:
    """A correlated count of `rows` (filtered on OuterRef("pk")), 0 when there are none."""
    counted = rows.order_by().values("mentorship_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def card_count_annotations(*, organization: Organization, user: User) -> dict[str, Coalesce]:
    """For a list of the user's mentorships (a participant's home): `open_goals`, the goals
    proposed or in progress, and `unread_messages`, the messages by others after what the user
    has read (as mentorships.selectors.messages counts them for the navigation), as subqueries,
    so the list costs no extra query however many mentorships it shows."""
    open_goals = Goal.objects.for_org(organization).filter(
        mentorship_id=OuterRef("pk"), status__in=[GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS]
    )
    read_marks = ThreadRead.objects.for_org(organization).filter(
        mentorship_id=OuterRef("mentorship_id"),
        participant__user=user,
        read_until__gte=OuterRef("created_at"),
    )
    unread = (
        Message.objects.for_org(organization)
        .filter(mentorship_id=OuterRef("pk"))
        .exclude(author__user=user)
        .filter(~Exists(read_marks))
    )
    return {
        "open_goals": _count_per_mentorship(open_goals),
        "unread_messages": _count_per_mentorship(unread),
    }
