"""The demo organization's past (`seed_demo` without `--scale`): what a program that has run
for a while looks like, so the reports, the weekly chart and the demo pair's home show figures
on the first visit instead of zeros.

- A pilot cohort of the first program, enrolled about three months ago, matched by a real
  round (the engine, approval, review, publish) two months ago, whose pairs have met every two
  weeks since (a few stopped), each check-in rated by both sides.
- The demo member and program manager's mentorship started a week ago and held its first
  check-in.
- Enrollments in the open cohorts spread over the week their enrollment has been open.
- The nightly snapshots of the past `SNAPSHOT_DAYS` days, taken by the service the nightly
  task calls, one day at a time.

Rows are written as they would have been then: timestamps are moved back after the services
wrote them, and the match news of the pilot's round is recorded as sent when it was published
(a fresh start prints no two-month-old emails).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope

from accounts.models import User
from analytics.services import organization_snapshots_take
from matching.models import MatchProposal, MatchRound
from matching.services import (
    proposal_approve_all,
    round_mark_reviewed,
    round_publish,
    round_run,
)
from mentoring.demo_data import _participant
from mentorships.models import CheckIn, CheckInRecord, Mentorship, MentorshipMentee
from notifications.models import SentEmail
from organizations.models import Membership, Organization, Role
from participants.models import Participant, ParticipantRole
from participants.services import cohort_seats_recount
from programs.models import Cohort, CohortStatus, Program

# Reports read up to a quarter back; more days would slow every fresh start for no figure.
SNAPSHOT_DAYS = 90
PILOT_MENTORS = 8
PILOT_MENTEES = 14
PILOT_ENROLLED_DAYS_AGO = (88, 64)
PILOT_MATCHED_DAYS_AGO = 60
MEETING_EVERY_DAYS = 14
DEMO_PAIR_DAYS_AGO = 7
# One pilot pair in this many stopped meeting after a meeting or two.
QUIET_EVERY = 5


@dataclass(frozen=True)
class DemoHistory:
    pilot: Cohort
    match_round: MatchRound
    check_ins: int
    snapshot_days: int


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


def _held(
    organization: Organization,
    mentorship: Mentorship,
    people: list[Participant],
    starts_at: dt.datetime,
    rng: random.Random,
) -> None:
    """A check-in that took place, each person's record of it rated 3 to 5."""
    check_in = CheckIn.objects.create(
        organization=organization,
        mentorship=mentorship,
        organizer=people[0],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=rng.choice([30, 45, 60])),
        time_zone=people[0].time_zone or "UTC",
        ical_uid=f"{uuid.uuid4()}@meridian",
        created_at=starts_at - dt.timedelta(days=5),
    )
    CheckInRecord.objects.bulk_create(
        [
            CheckInRecord(
                organization=organization,
                check_in=check_in,
                participant=person,
                happened=True,
                rating=rng.choice([3, 4, 4, 5, 5]),
                created_at=check_in.ends_at,
            )
            for person in people
        ]
    )


def _pilot_cohort(
    organization: Organization, program: Program, today: dt.date, rng: random.Random
) -> Cohort:
    now = timezone.now()
    matched = today - dt.timedelta(days=PILOT_MATCHED_DAYS_AGO)
    cohort = Cohort.objects.create(
        organization=organization,
        program=program,
        name=f"{matched.year} pilot",
        starts_on=matched,
        ends_on=matched + dt.timedelta(days=180),
        enrollment_opens_at=now - dt.timedelta(days=PILOT_ENROLLED_DAYS_AGO[0] + 2),
        enrollment_closes_at=now - dt.timedelta(days=PILOT_ENROLLED_DAYS_AGO[1]),
        mentor_capacity=PILOT_MENTORS,
        mentee_capacity=PILOT_MENTEES,
        status=CohortStatus.ACTIVE,
    )
    roles = [ParticipantRole.MENTOR] * PILOT_MENTORS + [ParticipantRole.MENTEE] * PILOT_MENTEES
    people = [
        _participant(rng, organization, cohort, 500_000 + index, role)
        for index, role in enumerate(roles)
    ]
    first, last = PILOT_ENROLLED_DAYS_AGO
    for person in people:
        person.created_at = now - dt.timedelta(days=rng.uniform(last, first))
    Participant.objects.bulk_create(people)
    cohort_seats_recount(organization=organization, cohort=cohort)
    return cohort


def _pilot_round(
    organization: Organization, cohort: Cohort, actor: User | None, today: dt.date
) -> MatchRound:
    """The engine's round for the pilot, approved, reviewed and published, then dated back to
    the day it was published."""
    match_round = MatchRound.objects.create(
        organization=organization, cohort=cohort, created_by=actor, queued_at=timezone.now()
    )
    round_run(organization=organization, round_id=match_round.pk)
    match_round.refresh_from_db()
    proposal_approve_all(organization=organization, match_round=match_round, actor=actor)
    match_round = round_mark_reviewed(
        organization=organization, match_round=match_round, actor=actor
    )
    round_publish(organization=organization, match_round=match_round, actor=actor)
    published = _at(today - dt.timedelta(days=PILOT_MATCHED_DAYS_AGO), 10)
    MatchRound.objects.for_org(organization).filter(pk=match_round.pk).update(
        created_at=published - dt.timedelta(days=2),
        queued_at=published - dt.timedelta(days=2),
        started_at=published - dt.timedelta(days=2),
        finished_at=published - dt.timedelta(days=2),
        published_at=published,
    )
    MatchProposal.objects.for_org(organization).filter(match_round=match_round).update(
        created_at=published - dt.timedelta(days=2)
    )
    mentorships = Mentorship.objects.for_org(organization).filter(source_round_id=match_round.pk)
    mentorships.update(started_on=published.date(), created_at=published)
    MentorshipMentee.objects.for_org(organization).filter(mentorship__in=mentorships).update(
        created_at=published
    )
    _record_match_news(organization, cohort, mentorships, published)
    match_round.refresh_from_db()
    return match_round


def _record_match_news(
    organization: Organization,
    cohort: Cohort,
    mentorships: QuerySet[Mentorship],
    published: dt.datetime,
) -> None:
    """The publish queued the news of each match; it went out when the round was published,
    so the keys its task claims are taken and a fresh start sends none of it."""
    rows = []
    for mentorship in (
        Mentorship.objects.for_org(organization)
        .filter(pk__in=mentorships.values("pk"))
        .select_related("mentor")
    ):
        people = [mentorship.mentor, *mentorship.mentees.all()]
        rows += [
            SentEmail(
                organization=organization,
                idempotency_key=f"match-published:{mentorship.pk}:{person.pk}",
                recipient=person.email,
                subject=cohort.program.name,
                created_at=published,
            )
            for person in people
        ]
    SentEmail.objects.bulk_create(rows, ignore_conflicts=True)


def _pilot_meetings(
    organization: Organization, match_round: MatchRound, today: dt.date, rng: random.Random
) -> int:
    """Every two weeks since the match; one pair in `QUIET_EVERY` stopped after a meeting or
    two, as real pairs do (the at-risk list and the learned model's labels see both kinds)."""
    held = 0
    mentorships = Mentorship.objects.for_org(organization).filter(source_round_id=match_round.pk)
    for index, mentorship in enumerate(mentorships.select_related("mentor").order_by("pk")):
        people = [mentorship.mentor, *mentorship.mentees.all()]
        stopped = index % QUIET_EVERY == QUIET_EVERY - 1
        meetings = 1 + index % 2 if stopped else PILOT_MATCHED_DAYS_AGO
        day = mentorship.started_on + dt.timedelta(days=rng.randint(2, 5))
        while day < today and meetings > 0:
            _held(organization, mentorship, people, _at(day, rng.choice([9, 13, 15])), rng)
            held += 1
            meetings -= 1
            day += dt.timedelta(days=MEETING_EVERY_DAYS + rng.randint(-2, 2))
    return held


def _demo_pair_a_week_old(organization: Organization, today: dt.date, rng: random.Random) -> int:
    """The demo logins' mentorship (mentoring.demo_data._demo_pair_matched) began a week ago
    and has held its first check-in."""
    mentor_user = Membership.objects.get(organization=organization, role=Role.PROGRAM_MANAGER).user
    mentorship = (
        Mentorship.objects.for_org(organization)
        .filter(mentor__user=mentor_user, source_round_id__isnull=True)
        .select_related("mentor")
        .get()
    )
    began = today - dt.timedelta(days=DEMO_PAIR_DAYS_AGO)
    matched = _at(began, 9)
    Mentorship.objects.for_org(organization).filter(pk=mentorship.pk).update(
        started_on=began, created_at=matched
    )
    MentorshipMentee.objects.for_org(organization).filter(mentorship=mentorship).update(
        created_at=matched
    )
    people = [mentorship.mentor, *mentorship.mentees.all()]
    _held(organization, mentorship, people, _at(began + dt.timedelta(days=3), 15), rng)
    return 1


def _enrollments_spread(organization: Organization, rng: random.Random) -> None:
    """People enrolled in the open cohorts over the week enrollment has been open, not all in
    the same second. Runs before the pilot cohort exists."""
    now = timezone.now()
    people = list(
        Participant.objects.for_org(organization).only("pk", "created_at", "user_id").order_by("pk")
    )
    for person in people:
        if person.user_id is not None:
            # The demo logins were enrolled before their mentorship began, a week ago.
            person.created_at = now - dt.timedelta(days=DEMO_PAIR_DAYS_AGO + 1)
        else:
            person.created_at = now - dt.timedelta(days=rng.uniform(0, DEMO_PAIR_DAYS_AGO))
    Participant.objects.bulk_update(people, ["created_at"], batch_size=500)


def demo_history_add(
    *, organization: Organization, seed: int = 7, today: dt.date | None = None
) -> DemoHistory:
    """Give the freshly seeded demo organization its past (see the module's docstring)."""
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 — demo data, not secrets
    with scope(organization=organization.pk):
        with transaction.atomic():
            admin = Membership.objects.get(organization=organization, role=Role.ADMIN).user
            program = Program.objects.for_org(organization).order_by("pk").first()
            assert program is not None, "seed_demo creates the programs first"
            _enrollments_spread(organization, rng)
            pilot = _pilot_cohort(organization, program, today, rng)
            match_round = _pilot_round(organization, pilot, admin, today)
            held = _pilot_meetings(organization, match_round, today, rng)
            held += _demo_pair_a_week_old(organization, today, rng)
        # As the nightly task would have, one day after another (each its own transaction).
        for back in range(SNAPSHOT_DAYS, 0, -1):
            organization_snapshots_take(organization=organization, day=today - dt.timedelta(back))
    return DemoHistory(pilot, match_round, held, SNAPSHOT_DAYS)
