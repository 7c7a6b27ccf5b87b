"""One definition of "matched" (docs/metrics.md, building blocks): a mentee is matched when a
mentorship names them (their `MentorshipMentee` row is created: the round's publish or the
request's acceptance), not when the mentorship starts. The match rate, the time to match, the
funnel and the organization's home all count by it, so they agree.

The world below, worked out by hand. Cohort "Summer" of program "Harbour" starts on 1 May 2025;
its round was published on 20 March, six weeks before the start:

who  role    joined         matched
N    mentor  5 Mar 09:00    20 Mar 12:00 (first mentee)
P    mentee  10 Mar 00:00   20 Mar 12:00 (waited 10.5 days)
Q    mentee  18 Mar 00:00   20 Mar 12:00 (waited 2.5 days)
R    mentee  25 Mar 00:00   never
T    mentee  28 Mar 00:00   2 Apr 00:00 (waited 5 days; a late request N accepted)

Both mentorships (N with P and Q; N with T) start on 1 May, the cohort's start.
"""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from analytics.dashboard import compute_program_health
from analytics.metrics import (
    Period,
    Scope,
    _enrollment_funnel_by_sets,
    _enrollment_funnel_in_one_pass,
    enrollment_funnel,
    match_figures,
)
from mentoring.home import admin_home
from mentorships.models import CloseReason, Mentorship, MentorshipMentee, MentorshipStatus
from participants.models import Participant
from programs.models import CohortStatus
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

COHORT_STARTS = dt.date(2025, 5, 1)
MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
APRIL = Period(dt.date(2025, 4, 1), dt.date(2025, 4, 30))


def at(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=dt.UTC)


def _person(cohort, name, role, joined=None):
    person = ParticipantFactory(
        cohort=cohort, role=role, full_name=name, email=f"{name.lower()}-{cohort.pk}@example.com"
    )
    if joined is not None:
        Participant.objects.filter(pk=person.pk).update(created_at=joined)
        person.refresh_from_db()
    return person


def _published(mentor, mentees, *, matched_at=None, starts_on, **closed):
    """A mentorship as a published round (or an accepted request) makes it: the mentees'
    rows are created at the match, the mentorship starts on `starts_on`."""
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=mentor.organization,
            cohort=mentor.cohort,
            mentor=mentor,
            started_on=starts_on,
            **closed,
        )
        for mentee in mentees:
            seat = MentorshipMentee.objects.create(
                organization=mentor.organization, mentorship=mentorship, mentee=mentee
            )
            if matched_at is not None:
                MentorshipMentee.objects.filter(pk=seat.pk).update(created_at=matched_at)
    return mentorship


@pytest.fixture
def summer(org):
    with scopes_disabled():
        cohort = CohortFactory(
            program=ProgramFactory(organization=org, name="Harbour"),
            name="Summer",
            starts_on=COHORT_STARTS,
            status=CohortStatus.MATCHING,
        )
        n = _person(cohort, "N", "mentor", at(3, 5, 9))
        p = _person(cohort, "P", "mentee", at(3, 10))
        q = _person(cohort, "Q", "mentee", at(3, 18))
        _person(cohort, "R", "mentee", at(3, 25))
        t = _person(cohort, "T", "mentee", at(3, 28))
    _published(n, [p, q], matched_at=at(3, 20, 12), starts_on=COHORT_STARTS)
    _published(n, [t], matched_at=at(4, 2), starts_on=COHORT_STARTS)
    return Scope(org, cohort_id=cohort.pk)


def test_a_match_published_before_the_cohort_starts_counts_when_it_was_made(summer):
    matching = match_figures(scope=summer, period=MARCH)

    # Mentees who joined in March: P, Q, R, T. Matched by 31 March: P and Q, although their
    # mentorship starts on 1 May (counted by its start, the rate would have been 0 of 4).
    assert (matching.mentees, matching.matched) == (4, 2)
    assert matching.match_rate == 0.5


def test_time_to_match_runs_from_joining_to_the_match_not_to_the_start(summer):
    march = match_figures(scope=summer, period=MARCH)
    april = match_figures(scope=summer, period=APRIL)

    # First matched in March: P after 10.5 days and Q after 2.5; the median is 6.5 days.
    assert march.first_matched_in_period == 2
    assert march.median_days_to_match == pytest.approx(6.5)
    # T, matched on 2 April after 5 days; nobody joined in April, so no match rate.
    assert april.first_matched_in_period == 1
    assert april.median_days_to_match == pytest.approx(5.0)
    assert (april.mentees, april.match_rate) == (0, None)


def test_nobody_is_matched_before_the_round_is_published(summer):
    until_19_march = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 19))

    matching = match_figures(scope=summer, period=until_19_march)
    funnel = enrollment_funnel(scope=summer, period=until_19_march)

    # N, P and Q had joined; the round was published on the 20th.
    assert (matching.mentees, matching.matched, matching.match_rate) == (2, 0, 0.0)
    assert matching.median_days_to_match is None
    assert (funnel.invited, funnel.enrolled, funnel.matched) == (3, 3, 0)


def test_the_funnel_counts_mentors_and_mentees_matched_by_the_end(summer):
    funnel = enrollment_funnel(scope=summer, period=MARCH)

    # Joined in March: N, P, Q, R, T. Matched by 31 March: N (his first mentees on the 20th),
    # P and Q. Nobody has met yet: the mentorships start in May.
    assert [stage.count for stage in funnel.stages] == [5, 5, 3, 0, 0, 0]


@pytest.mark.parametrize(
    "period", [MARCH, APRIL, Period(dt.date(2025, 3, 1), dt.date(2025, 3, 20))]
)
def test_both_ways_of_counting_the_funnel_use_the_same_definition(summer, period):
    assert _enrollment_funnel_in_one_pass(scope=summer, period=period) == (
        _enrollment_funnel_by_sets(scope=summer, period=period)
    )


def test_the_home_and_the_dashboard_say_the_same_about_who_is_matched(org):
    """The home's "mentees matched" and the dashboard's match rate over a period that covers
    every join count the same people: a round published before its cohort starts, and a
    mentee whose mentorship ended early (the match happened; drop-off counts what followed)."""
    with scopes_disabled():
        cohort = CohortFactory(program=ProgramFactory(organization=org, name="Harbour"))
        mentor = _person(cohort, "N", "mentor")
        published = [_person(cohort, name, "mentee") for name in ("P", "Q")]
        left_early = _person(cohort, "S", "both")
        _person(cohort, "R", "mentee")
    # The round is published now; its mentorships start with the cohort, in 30 days.
    assert cohort.starts_on > timezone.localdate()
    _published(mentor, published, starts_on=cohort.starts_on)
    today = timezone.localdate()
    _published(
        mentor,
        [left_early],
        starts_on=today,
        status=MentorshipStatus.ENDED,
        ended_on=today,
        close_reason=CloseReason.NOT_A_FIT,
    )

    home = admin_home(organization=org)
    dashboard = compute_program_health(
        organization=org, scope=Scope(org, cohort_id=cohort.pk), period=Period.last_days(90)
    ).matching

    assert (home.figures.mentees, home.figures.matched) == (4, 3)
    (program,) = home.programs
    assert (program.mentees, program.matched) == (4, 3)
    assert (dashboard.mentees, dashboard.matched) == (home.figures.mentees, home.figures.matched)


def test_another_organizations_matches_are_never_counted(org, other_org, summer):
    with scopes_disabled():
        theirs = CohortFactory(program=ProgramFactory(organization=other_org))
        mentor = _person(theirs, "O", "mentor", at(3, 5))
        mentee = _person(theirs, "V", "mentee", at(3, 6))
    _published(mentor, [mentee], matched_at=at(3, 7), starts_on=COHORT_STARTS)

    everyone = match_figures(scope=Scope(org), period=MARCH)

    assert (everyone.mentees, everyone.matched) == (4, 2)
    # By now Summer (live: matching) has P, Q and T matched; the other organization's V.
    assert admin_home(organization=org).figures.matched == 3
    assert admin_home(organization=other_org).figures.matched == 1


def test_the_participants_report_says_matched_by_the_same_definition(org, summer):
    """In March, before the mentorships start on 1 May: N, P and Q were matched on 20 March;
    R never was, and T only on 2 April."""
    from analytics.reports import ReportFilter, participant_queryset, participant_rows

    report = ReportFilter(organization=org, period=MARCH, cohort_id=summer.cohort_id)
    with scopes_disabled():
        rows = participant_rows(participant_queryset(report))

    matched = {row["full_name"]: row["matched"] for row in rows}
    assert matched == {"N": True, "P": True, "Q": True, "R": False, "T": False}
