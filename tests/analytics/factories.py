"""A small organization whose every figure is worked out by hand in tests/analytics.

March 2025 is the period the tests read (1 to 31 March, UTC days). The people of cohort
"Spring" (program "Bridges"):

who  role    joined        country  function        seniority  notes
M1   mentor  2 Mar         GB       Engineering     4          capacity 2
M2   mentor  20 Feb        DE       Sales           3          capacity 1
G    mentee  10 Jan        GB       Legal           1          matched 15 Jan (MS3)
A    mentee  3 Mar         GB       "engineering "  1          matched 6 Mar 12:00 (MS1)
F    both    4 Mar         GB       Sales           2          matched 8 Mar (MS2); left 25 Mar
B    mentee  5 Mar         FR       Sales           2          matched 6 Mar 12:00 (MS1)
C    mentee  10 Mar        GB       Finance         2          never matched; left 20 Mar
D    mentee  31 Mar 23:00  ES       Finance         2          not matched
E    mentee  1 Apr 00:00   GB       Finance         2          after the period

Mentorships: MS1 = M1 with A and B, from 6 Mar, active; MS2 = M2 with F, 8 to 26 Mar, ended
early ("not a fit"); MS3 = M1 with G, 15 Jan to 15 Mar, completed ("goals met").

Check-ins: CI1 MS1 10 Mar 10:00-11:00 held (A rates 5, B 4, M1 no rating); CI2 MS1 28 Mar
10:00-10:30 held (A rates 3); CI3 MS1 20 Mar cancelled; CI4 MS1 25 Mar booked but B says it did
not happen; CI5 MS2 12 Mar 09:00-10:30 held (F rates 2); CI6 MS3 20 Feb 10:00-11:00 held; CI7 MS1
1 Apr 00:00-01:00 held (after the period).

Goals: MS1 g1 done (marked done 20 Mar), g2 in progress, g3 dropped, g5 set 2 Apr; MS3 g4 done
(marked done 28 Feb).

Cohort "Autumn" of another program ("Compass") holds one mentee, X, who joined 15 Mar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django_scopes import scopes_disabled

from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    CloseReason,
    Goal,
    GoalChange,
    GoalStatus,
    Mentorship,
    MentorshipMentee,
    MentorshipStatus,
)
from participants.models import Participant, ParticipantStatus
from programs.models import Cohort, CohortStatus, Program
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

UTC = dt.UTC
MARCH_START = dt.date(2025, 3, 1)
MARCH_END = dt.date(2025, 3, 31)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=UTC)


@dataclass
class MetricsWorld:
    program: Program
    cohort: Cohort
    other_program: Program
    other_cohort: Cohort
    people: dict[str, Participant]
    mentorships: dict[str, Mentorship]


def _person(cohort: Cohort, name: str, role: str, joined: dt.datetime, **profile) -> Participant:
    participant = ParticipantFactory(
        cohort=cohort,
        role=role,
        full_name=name,
        email=f"{name.lower()}-{cohort.pk}@example.com",
        **profile,
    )
    Participant.objects.filter(pk=participant.pk).update(created_at=joined)
    participant.refresh_from_db()
    return participant


def _withdraw(participant: Participant, when: dt.datetime) -> None:
    Participant.objects.filter(pk=participant.pk).update(
        status=ParticipantStatus.WITHDRAWN, withdrawn_at=when
    )


def _mentorship(
    mentor: Participant,
    mentees: list[Participant],
    *,
    started: dt.datetime,
    status: str = MentorshipStatus.ACTIVE,
    ended_on: dt.date | None = None,
    reason: str = "",
) -> Mentorship:
    mentorship = Mentorship.objects.create(
        organization=mentor.organization,
        cohort=mentor.cohort,
        mentor=mentor,
        started_on=started.date(),
        status=status,
        ended_on=ended_on,
        close_reason=reason,
        created_at=started,
    )
    for mentee in mentees:
        MentorshipMentee.objects.create(
            organization=mentor.organization,
            mentorship=mentorship,
            mentee=mentee,
            created_at=started,
        )
    return mentorship


def _check_in(
    mentorship: Mentorship,
    starts: dt.datetime,
    minutes: int,
    *,
    status: str = CheckInStatus.SCHEDULED,
    records: tuple[tuple[Participant, bool, int | None], ...] = (),
) -> CheckIn:
    check_in = CheckIn.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        organizer=mentorship.mentor,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=minutes),
        time_zone="UTC",
        status=status,
        ical_uid=f"metrics-{mentorship.pk}-{starts.isoformat()}@test",
    )
    for participant, happened, rating in records:
        CheckInRecord.objects.create(
            organization=mentorship.organization,
            check_in=check_in,
            participant=participant,
            happened=happened,
            rating=rating,
        )
    return check_in


def _goal(
    mentorship: Mentorship, title: str, status: str, *, set_at: dt.datetime, done_at=None
) -> Goal:
    goal = Goal.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        title=title,
        status=status,
        proposed_by=mentorship.mentor,
        created_at=set_at,
    )
    if done_at is not None:
        GoalChange.objects.create(
            organization=mentorship.organization,
            goal=goal,
            actor=mentorship.mentor,
            action="status",
            detail={"old": GoalStatus.IN_PROGRESS, "new": GoalStatus.DONE},
            created_at=done_at,
        )
    return goal


def build_metrics_world(organization) -> MetricsWorld:
    with scopes_disabled():
        program = ProgramFactory(organization=organization, name="Bridges")
        cohort = CohortFactory(program=program, name="Spring", status=CohortStatus.ACTIVE)
        other_program = ProgramFactory(organization=organization, name="Compass")
        other_cohort = CohortFactory(
            program=other_program, name="Autumn", status=CohortStatus.ACTIVE
        )
        p = {}
        p["M1"] = _person(
            cohort,
            "M1",
            "mentor",
            at(3, 2),
            country="GB",
            function="Engineering",
            seniority=4,
            mentor_capacity=2,
        )
        p["M2"] = _person(
            cohort,
            "M2",
            "mentor",
            at(2, 20),
            country="DE",
            function="Sales",
            seniority=3,
            mentor_capacity=1,
        )
        p["G"] = _person(
            cohort, "G", "mentee", at(1, 10), country="GB", function="Legal", seniority=1
        )
        p["A"] = _person(
            cohort, "A", "mentee", at(3, 3), country="GB", function="engineering ", seniority=1
        )
        p["F"] = _person(cohort, "F", "both", at(3, 4), country="GB", function="Sales", seniority=2)
        p["B"] = _person(
            cohort, "B", "mentee", at(3, 5), country="FR", function="Sales", seniority=2
        )
        p["C"] = _person(
            cohort, "C", "mentee", at(3, 10), country="GB", function="Finance", seniority=2
        )
        p["D"] = _person(
            cohort, "D", "mentee", at(3, 31, 23), country="ES", function="Finance", seniority=2
        )
        p["E"] = _person(
            cohort, "E", "mentee", at(4, 1), country="GB", function="Finance", seniority=2
        )
        p["X"] = _person(
            other_cohort, "X", "mentee", at(3, 15), country="BR", function="Legal", seniority=3
        )
        _withdraw(p["C"], at(3, 20))
        _withdraw(p["F"], at(3, 25))

        ms1 = _mentorship(p["M1"], [p["A"], p["B"]], started=at(3, 6, 12))
        ms2 = _mentorship(
            p["M2"],
            [p["F"]],
            started=at(3, 8),
            status=MentorshipStatus.ENDED,
            ended_on=dt.date(2025, 3, 26),
            reason=CloseReason.NOT_A_FIT,
        )
        ms3 = _mentorship(
            p["M1"],
            [p["G"]],
            started=at(1, 15),
            status=MentorshipStatus.COMPLETED,
            ended_on=dt.date(2025, 3, 15),
            reason=CloseReason.GOALS_MET,
        )
        _check_in(
            ms1,
            at(3, 10, 10),
            60,
            records=((p["A"], True, 5), (p["B"], True, 4), (p["M1"], True, None)),
        )
        _check_in(ms1, at(3, 28, 10), 30, records=((p["A"], True, 3),))
        _check_in(ms1, at(3, 20, 10), 60, status=CheckInStatus.CANCELLED)
        _check_in(ms1, at(3, 25, 10), 60, records=((p["B"], False, None),))
        _check_in(ms2, at(3, 12, 9), 90, records=((p["F"], True, 2),))
        _check_in(ms3, at(2, 20, 10), 60)
        _check_in(ms1, at(4, 1), 60)

        _goal(ms1, "g1", GoalStatus.DONE, set_at=at(3, 7), done_at=at(3, 20))
        _goal(ms1, "g2", GoalStatus.IN_PROGRESS, set_at=at(3, 7))
        _goal(ms1, "g3", GoalStatus.DROPPED, set_at=at(3, 7))
        _goal(ms1, "g5", GoalStatus.PROPOSED, set_at=at(4, 2))
        _goal(ms3, "g4", GoalStatus.DONE, set_at=at(1, 20), done_at=at(2, 28))
        for participant in p.values():
            participant.refresh_from_db()
    return MetricsWorld(
        program=program,
        cohort=cohort,
        other_program=other_program,
        other_cohort=other_cohort,
        people=p,
        mentorships={"MS1": ms1, "MS2": ms2, "MS3": ms3},
    )
