"""The metrics of docs/metrics.md against figures worked out by hand from the small world of
tests/analytics/factories.py (its docstring lists every person, mentorship, check-in and goal).
March 2025 is the period; program "Bridges" the scope unless a test says otherwise."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from analytics.metrics import (
    Period,
    Scope,
    Trend,
    active_mentorship_count,
    at_risk_count,
    check_in_figures,
    drop_off,
    enrollment_funnel,
    goal_figures,
    match_figures,
    mentor_load,
    pair_mix,
    participation_breakdown,
    satisfaction_figures,
)
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    EngagementSettings,
    Mentorship,
    MentorshipMentee,
    Message,
)
from mentorships.selectors.at_risk import at_risk_list
from participants.models import Participant
from tests.analytics.factories import MARCH_END, MARCH_START, at, build_metrics_world
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

MARCH = Period(MARCH_START, MARCH_END)


@pytest.fixture
def world(org):
    return build_metrics_world(org)


@pytest.fixture
def bridges(org, world):
    return Scope(org, program_id=world.program.pk)


# --- Period and comparison -------------------------------------------------------------------


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    previous = MARCH.previous()

    assert MARCH.days == 31
    assert previous == Period(dt.date(2025, 1, 29), dt.date(2025, 2, 28))
    assert previous.days == 31


def test_a_period_runs_from_midnight_to_the_midnight_after_its_last_day():
    assert MARCH.starts_at == at(3, 1)
    assert MARCH.ends_at == at(4, 1)


def test_last_days_ends_today_and_counts_today():
    period = Period.last_days(30, today=dt.date(2025, 3, 31))

    assert period == Period(dt.date(2025, 3, 2), dt.date(2025, 3, 31))


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(dt.date(2025, 3, 2), dt.date(2025, 3, 1))


def test_a_trend_says_how_much_a_figure_moved_against_the_previous_period():
    assert Trend(3, 1).change == 200
    assert Trend(3, 1).direction == "up"
    assert Trend(1, 4).change == -75
    assert Trend(1, 4).direction == "down"
    assert Trend(2, 2).direction == "flat"
    # Nothing to compare with: no percentage rather than an infinite one.
    assert Trend(2, 0).change is None
    assert Trend(2, 0).direction == "up"
    assert Trend(None, 2).direction == ""


# --- Enrollment funnel -----------------------------------------------------------------------


def test_the_funnel_follows_who_joined_in_the_period_to_each_later_stage(bridges):
    funnel = enrollment_funnel(scope=bridges, period=MARCH)

    # Joined in March: M1, A, F, B, C, D (E joined on 1 April, M2 and G before March).
    assert funnel.invited == 6
    # C withdrew before being matched; F withdrew after, so F still enrolled.
    assert funnel.enrolled == 5
    # M1 (mentor of MS1), A, B (MS1), F (MS2).
    assert funnel.matched == 4
    # Each of them has a check-in held: CI1 for M1, A, B; CI5 for F.
    assert funnel.first_check_in == 4
    # Held one in the 30 days to 31 March: M1, A, B (CI2, 28 Mar), F (CI5, 12 Mar).
    assert funnel.active == 4
    # M1 is the mentor of MS3, completed on 15 March.
    assert funnel.completed == 1
    assert [stage.count for stage in funnel.stages] == [6, 5, 4, 4, 4, 1]


def test_the_funnel_counts_active_from_the_30_days_that_end_with_the_period(bridges):
    # Ending 11 April, the window starts 13 March: CI5 (12 March) no longer makes F active,
    # while M1, A and B held CI7 on 1 April.
    funnel = enrollment_funnel(scope=bridges, period=Period(MARCH_START, dt.date(2025, 4, 11)))

    assert funnel.invited == 7  # E joined on 1 April
    assert funnel.first_check_in == 4
    assert funnel.active == 3


def test_the_funnel_never_widens_a_completed_mentorship_without_a_check_in(org, world):
    """Completion without any check-in held does not count as completed in the funnel."""
    with scopes_disabled():
        Mentorship.objects.filter(pk=world.mentorships["MS3"].pk).update(
            started_on=dt.date(2025, 3, 3)
        )
        CheckIn.objects.filter(mentorship=world.mentorships["MS3"]).delete()
        Participant.objects.filter(pk=world.people["G"].pk).update(created_at=at(3, 2))

    funnel = enrollment_funnel(scope=Scope(org, cohort_id=world.cohort.pk), period=MARCH)

    assert funnel.invited == 7  # G now joined in March
    assert funnel.matched == 5
    assert funnel.first_check_in == 4  # G never met
    assert funnel.completed == 1  # still M1 only


# --- Match rate and time to match --------------------------------------------------------------


def test_match_rate_is_mentees_matched_over_mentees_who_joined(bridges):
    matching = match_figures(scope=bridges, period=MARCH)

    # Mentees (and "both") who joined in March: A, F, B, C, D; matched: A, F, B.
    assert matching.mentees == 5
    assert matching.matched == 3
    assert matching.match_rate == pytest.approx(0.6)


def test_time_to_match_is_the_median_wait_of_mentees_first_matched_in_the_period(bridges):
    matching = match_figures(scope=bridges, period=MARCH)

    # B waited 1.5 days, A 3.5, F 4 (G was matched in January).
    assert matching.first_matched_in_period == 3
    assert matching.median_days_to_match == pytest.approx(3.5)


def test_time_to_match_is_unknown_when_nobody_was_matched(bridges):
    matching = match_figures(
        scope=bridges, period=Period(dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    )

    assert matching.median_days_to_match is None
    assert matching.match_rate is None


# --- Active mentorships, check-ins and ratings ----------------------------------------------------


def test_active_mentorships_are_open_ones_with_a_check_in_in_the_last_30_days(bridges):
    # 31 March: MS1 met on 28 March; MS2 and MS3 are closed.
    assert active_mentorship_count(scope=bridges, day=MARCH_END) == 1
    # 20 March: MS1 (10 March) and MS2 (12 March, open until 26 March); MS3 closed on the 15th.
    assert active_mentorship_count(scope=bridges, day=dt.date(2025, 3, 20)) == 2
    # 11 April: only check-ins from 13 March on count: MS1's CI2 and CI7.
    assert active_mentorship_count(scope=bridges, day=dt.date(2025, 4, 11)) == 1
    # 1 May: nothing held since 1 April.
    assert active_mentorship_count(scope=bridges, day=dt.date(2025, 5, 1)) == 0


def test_check_ins_held_exclude_cancelled_and_ones_a_member_says_did_not_happen(bridges):
    figures = check_in_figures(scope=bridges, period=MARCH)

    # CI1, CI2, CI5; CI3 was cancelled, CI4 did not happen, CI6 and CI7 are outside March.
    assert figures.held == 3
    assert figures.hours == pytest.approx(3.0)  # 1 h + 0.5 h + 1.5 h
    assert figures.mentorships == 3  # MS1, MS2 and MS3 each ran in March
    assert figures.per_mentorship == pytest.approx(1.0)


def test_ratings_are_the_members_ratings_of_check_ins_held_in_the_period(bridges):
    figures = check_in_figures(scope=bridges, period=MARCH)

    assert figures.ratings == 4  # 5 and 4 (CI1), 3 (CI2), 2 (CI5); M1 gave none
    assert figures.average_rating == pytest.approx(3.5)
    assert figures.rating_counts == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}


def test_the_previous_period_is_compared_figure_for_figure(bridges):
    now = check_in_figures(scope=bridges, period=MARCH)
    before = check_in_figures(scope=bridges, period=MARCH.previous())

    assert before.held == 1  # CI6, 20 February
    assert before.hours == pytest.approx(1.0)
    trend = Trend(now.held, before.held)
    assert trend.direction == "up"
    assert trend.change == pytest.approx(200)


def test_a_check_in_booked_for_later_is_not_held_yet(org, world, bridges):
    with scopes_disabled():
        CheckIn.objects.create(
            organization=org,
            mentorship=world.mentorships["MS1"],
            organizer=world.people["M1"],
            starts_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC),
            ends_at=dt.datetime(2999, 1, 1, 1, tzinfo=dt.UTC),
            time_zone="UTC",
            status=CheckInStatus.SCHEDULED,
            ical_uid="future@test",
        )

    figures = check_in_figures(scope=bridges, period=Period(MARCH_START, dt.date(2999, 1, 2)))

    assert figures.held == 4  # CI1, CI2, CI5 and CI7; the future one is not held


# --- Goals ------------------------------------------------------------------------------------


def test_goal_completion_is_done_over_goals_set_by_the_end_leaving_dropped_ones_out(bridges):
    goals = goal_figures(scope=bridges, period=MARCH)

    # Set by 31 March and not dropped: g1, g2, g4 (g3 dropped, g5 set on 2 April).
    assert goals.set == 3
    assert goals.done == 2  # g1, g4
    assert goals.completion_rate == pytest.approx(2 / 3)
    assert goals.completed_in_period == 1  # g1, marked done on 20 March


# --- Satisfaction --------------------------------------------------------------------------------


def test_satisfaction_falls_back_to_check_in_ratings_where_no_survey_was_answered(bridges):
    satisfaction = satisfaction_figures(scope=bridges, period=MARCH)

    assert satisfaction.source == "check_in_ratings"
    assert satisfaction.responses == 4
    assert satisfaction.average == pytest.approx(3.5)
    assert satisfaction.satisfied == 2  # the 5 and the 4
    assert satisfaction.satisfied_share == pytest.approx(0.5)
    assert satisfaction.nps is None


def _named_survey(program, cohort, *, answers, submitted_at):
    """A named survey of `program` with one 1-5 question and one NPS question; `answers` is a
    list of (participant, scale, nps), one response each."""
    from surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse, SurveySection

    org = {"organization": program.organization}
    with scopes_disabled():
        survey = Survey.objects.create(
            **org,
            program=program,
            name={"en": "End of program"},
            kind="end",
            status="open",
            closes_at=at(5, 1),
        )
        section = SurveySection.objects.create(**org, survey=survey, title={"en": "s"})
        scale = SurveyQuestion.objects.create(
            **org, survey=survey, section=section, key="grew", type="scale_1_5", text={"en": "q"}
        )
        nps = SurveyQuestion.objects.create(
            **org, survey=survey, section=section, key="nps", type="nps", text={"en": "q"}
        )
        for person, scale_value, nps_value in answers:
            response = SurveyResponse.objects.create(
                **org,
                survey=survey,
                participant=person,
                cohort=cohort,
                role="mentee",
                submitted_at=submitted_at,
            )
            SurveyAnswer.objects.create(
                **org, survey=survey, response=response, question=scale, number=scale_value
            )
            SurveyAnswer.objects.create(
                **org, survey=survey, response=response, question=nps, number=nps_value
            )
    return survey


def test_satisfaction_and_nps_come_from_survey_answers_in_the_period(org, world, bridges):
    people = world.people
    answers = [(people["A"], 4, 10), (people["B"], 2, 9), (people["M1"], 3, 3)]
    _named_survey(world.program, world.cohort, answers=answers, submitted_at=at(3, 20))
    # Outside the period, and in another program: neither counts.
    late = [(people["D"], 1, 0)]
    _named_survey(world.program, world.cohort, answers=late, submitted_at=at(4, 2))
    elsewhere = [(people["X"], 1, 0)]
    _named_survey(
        world.other_program, world.other_cohort, answers=elsewhere, submitted_at=at(3, 20)
    )

    satisfaction = satisfaction_figures(scope=bridges, period=MARCH)

    assert satisfaction.source == "surveys"
    assert satisfaction.responses == 3
    assert satisfaction.average == pytest.approx(3.0)  # (4 + 2 + 3) / 3
    # Two promoters (10, 9), one detractor (3): (2 - 1) / 3 = 33.
    assert satisfaction.nps == 33
    assert satisfaction.nps_responses == 3
    assert satisfaction.satisfied_share is None


# --- Pairs ---------------------------------------------------------------------------------------


def test_cross_cultural_and_cross_functional_pairs_of_mentorships_started(bridges):
    mix = pair_mix(scope=bridges, period=MARCH)

    # Pairs started in March: M1-A (GB/GB, Engineering/"engineering "), M1-B (GB/FR,
    # Engineering/Sales), M2-F (DE/GB, Sales/Sales).
    assert mix.pairs == 3
    assert mix.cross_cultural == 2  # M1-B, M2-F
    assert mix.cross_functional == 1  # M1-B; case and spaces do not make a function differ
    assert mix.cross_cultural_share == pytest.approx(2 / 3)
    assert mix.cross_functional_share == pytest.approx(1 / 3)


# --- Who takes part -------------------------------------------------------------------------------


def test_participants_on_the_roster_by_country_function_and_seniority(bridges):
    breakdown = participation_breakdown(scope=bridges, day=MARCH_END)

    # On the roster at the end of 31 March: M1, M2, G, A, B, D (C and F withdrew, E joined later).
    assert breakdown.total == 6
    assert [(g.key, g.count) for g in breakdown.by_country] == [
        ("GB", 3),
        ("FR", 1),  # France, Germany, Spain: equal groups by name
        ("DE", 1),
        ("ES", 1),
    ]
    assert breakdown.by_country[0].label == "United Kingdom"
    assert [(g.label, g.count) for g in breakdown.by_function] == [
        ("Engineering", 2),
        ("Sales", 2),
        ("Finance", 1),
        ("Legal", 1),
    ]
    assert [(g.key, g.count) for g in breakdown.by_seniority] == [
        ("1", 2),
        ("2", 2),
        ("3", 1),
        ("4", 1),
    ]
    assert str(breakdown.by_seniority[0].label) == "Entry level"


# --- Mentor load and hours ------------------------------------------------------------------------


def test_mentor_load_counts_mentees_in_mentorships_open_at_the_end(bridges):
    load = mentor_load(scope=bridges, period=MARCH)

    # Mentors on the roster on 31 March: M1 and M2 (F, also a mentor, withdrew).
    assert load.mentors == 2
    assert load.mentoring == 1  # M1 with A and B; M2's MS2 closed on 26 March
    assert load.mentees == 2
    assert load.mentees_per_mentor == pytest.approx(2.0)
    assert load.at_capacity == 1  # M1 holds 2 of 2
    assert load.load_counts == {"0": 1, "1": 0, "2": 1, "3+": 0}


def test_hours_mentored_are_the_lengths_of_held_check_ins(bridges):
    load = mentor_load(scope=bridges, period=MARCH)

    assert load.hours == pytest.approx(3.0)
    assert load.hours_mentors == 2  # M1 (CI1, CI2) and M2 (CI5)
    assert load.hours_per_mentor == pytest.approx(1.5)


# --- Drop-off -------------------------------------------------------------------------------------


def test_drop_off_counts_withdrawals_and_mentorships_ended_early_with_their_reasons(bridges):
    figures = drop_off(scope=bridges, period=MARCH)

    # On the roster at some time in March: everyone but E (8 people).
    assert figures.roster == 8
    assert figures.withdrawals == 2  # C and F
    assert figures.withdrawal_rate == pytest.approx(0.25)
    assert figures.running == 3
    assert figures.ended_early == 1  # MS2
    assert figures.completed == 1  # MS3
    assert figures.drop_off_rate == pytest.approx(1 / 3)
    assert [(r.key, r.count) for r in figures.reasons] == [("not_a_fit", 1)]
    assert str(figures.reasons[0].label) == "Not a good fit"


# --- Scopes and isolation ------------------------------------------------------------------------


def test_the_organization_counts_every_program_and_a_cohort_only_its_own(org, world):
    everyone = enrollment_funnel(scope=Scope(org), period=MARCH)
    autumn = enrollment_funnel(scope=Scope(org, cohort_id=world.other_cohort.pk), period=MARCH)
    spring = enrollment_funnel(scope=Scope(org, cohort_id=world.cohort.pk), period=MARCH)

    assert everyone.invited == 7  # X of Autumn too
    assert autumn.invited == 1
    assert spring.invited == 6


def test_another_organizations_rows_are_never_counted(org, other_org, world):
    build_metrics_world(other_org)
    scope = Scope(org)

    assert enrollment_funnel(scope=scope, period=MARCH).invited == 7
    assert check_in_figures(scope=scope, period=MARCH).held == 3
    assert match_figures(scope=scope, period=MARCH).mentees == 6
    assert pair_mix(scope=scope, period=MARCH).pairs == 3
    assert participation_breakdown(scope=scope, day=MARCH_END).total == 7
    assert mentor_load(scope=scope, period=MARCH).mentors == 2
    assert drop_off(scope=scope, period=MARCH).withdrawals == 2
    assert goal_figures(scope=scope, period=MARCH).set == 3
    assert satisfaction_figures(scope=scope, period=MARCH).responses == 4
    assert active_mentorship_count(scope=scope, day=MARCH_END) == 1


def test_a_program_of_another_organization_matches_nothing(org, other_org, world):
    foreign = build_metrics_world(other_org)

    scope = Scope(org, program_id=foreign.program.pk)

    assert enrollment_funnel(scope=scope, period=MARCH).invited == 0
    assert check_in_figures(scope=scope, period=MARCH).held == 0


def test_each_metric_costs_a_fixed_number_of_queries(
    org, world, bridges, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        enrollment_funnel(scope=bridges, period=MARCH)
    with django_assert_max_num_queries(2):
        match_figures(scope=bridges, period=MARCH)
    with django_assert_max_num_queries(3):
        check_in_figures(scope=bridges, period=MARCH)
    with django_assert_max_num_queries(2):
        goal_figures(scope=bridges, period=MARCH)
    with django_assert_max_num_queries(3):
        participation_breakdown(scope=bridges, day=MARCH_END)
    with django_assert_max_num_queries(2):
        mentor_load(scope=bridges, period=MARCH)
    with django_assert_max_num_queries(3):
        drop_off(scope=bridges, period=MARCH)


# --- At risk ----------------------------------------------------------------------------------


def _pair(cohort, *, started_days_ago, status="active", **fields):
    now = timezone.now()
    with scopes_disabled():
        mentor = ParticipantFactory(cohort=cohort, role="mentor")
        mentee = ParticipantFactory(cohort=cohort, role="mentee")
        mentorship = Mentorship.objects.create(
            organization=cohort.organization,
            cohort=cohort,
            mentor=mentor,
            started_on=(now - dt.timedelta(days=started_days_ago)).date(),
            status=status,
            **fields,
        )
        MentorshipMentee.objects.create(
            organization=cohort.organization, mentorship=mentorship, mentee=mentee
        )
    return mentorship, mentor, mentee


def _met(mentorship, days_ago, *ratings, who=None):
    now = timezone.now()
    with scopes_disabled():
        check_in = CheckIn.objects.create(
            organization=mentorship.organization,
            mentorship=mentorship,
            organizer=mentorship.mentor,
            starts_at=now - dt.timedelta(days=days_ago, hours=1),
            ends_at=now - dt.timedelta(days=days_ago),
            time_zone="UTC",
            ical_uid=f"risk-{mentorship.pk}-{days_ago}@test",
        )
        people = [mentorship.mentor, *mentorship.mentees.all()]
        for person, rating in zip(people, ratings, strict=False):
            CheckInRecord.objects.create(
                organization=mentorship.organization,
                check_in=check_in,
                participant=person,
                happened=True,
                rating=rating,
            )


def test_the_at_risk_count_is_the_length_of_the_at_risk_list(org, world):
    bridges, compass = world.cohort, world.other_cohort
    with scopes_disabled():
        EngagementSettings.objects.create(
            organization=org, program=world.program, quiet_after_days=10, low_rating_below=4
        )
    _pair(bridges, started_days_ago=5)  # new: not quiet yet under Bridges' 10 days
    _pair(bridges, started_days_ago=12)  # never met in 12 days: quiet
    rated, *_ = _pair(bridges, started_days_ago=20)
    _met(rated, 3, 3, 3)
    _met(rated, 2, 5)  # the three most recent ratings: 5, 3, 3 = 3.7, below Bridges' 4
    fine, *_ = _pair(compass, started_days_ago=60)
    _met(fine, 40, 1, 1)
    _met(fine, 1, 5, 5)  # the last three: 5, 5, 1 = 3.7, not below the default 3
    with scopes_disabled():
        CheckIn.objects.create(
            organization=org,
            mentorship=fine,
            organizer=fine.mentor,
            starts_at=timezone.now() + dt.timedelta(days=3),
            ends_at=timezone.now() + dt.timedelta(days=3, hours=1),
            time_zone="UTC",
            ical_uid=f"risk-next-{fine.pk}@test",
        )
    messaged, mentor, _mentee = _pair(compass, started_days_ago=10)
    _met(messaged, 2)
    with scopes_disabled():
        Message.objects.create(
            organization=org,
            mentorship=messaged,
            author=mentor,
            body="hi",
            created_at=timezone.now() - dt.timedelta(days=8),
        )
    _pair(compass, started_days_ago=1, rematch_requested_at=timezone.now())
    _pair(compass, started_days_ago=100, status="paused")
    _pair(compass, started_days_ago=100, status="completed")

    with scope(organization=org.pk):
        listed = at_risk_list(organization=org)
        listed_bridges = at_risk_list(organization=org, program_id=world.program.pk)

    # MS1 (quiet since 1 April 2025), the 12-day pair, the low-rated pair, the unanswered
    # message, the rematch request and the paused pair.
    assert at_risk_count(scope=Scope(org)) == len(listed) == 6
    assert at_risk_count(scope=Scope(org, program_id=world.program.pk)) == len(listed_bridges) == 3
    assert at_risk_count(scope=Scope(org, cohort_id=compass.pk)) == 3
    # PostgreSQL counts in one pass over each mentorship's facts; other databases filter.
    from analytics.metrics import _at_risk_count_by_filters, _at_risk_count_in_one_pass

    now = timezone.now()
    for scope_ in (
        Scope(org),
        Scope(org, program_id=world.program.pk),
        Scope(org, cohort_id=compass.pk),
    ):
        assert _at_risk_count_in_one_pass(scope=scope_, now=now) == _at_risk_count_by_filters(
            scope=scope_, now=now
        )


def test_the_at_risk_count_costs_two_queries(org, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        at_risk_count(scope=Scope(org))


@pytest.mark.parametrize(
    ("start", "end"),
    [(MARCH_START, MARCH_END), (dt.date(2025, 1, 1), dt.date(2025, 4, 30)), (MARCH_END, MARCH_END)],
)
def test_the_one_pass_funnel_counts_as_the_membership_sets_do(org, world, start, end):
    from analytics.metrics import _enrollment_funnel_by_sets, _enrollment_funnel_in_one_pass

    # The one pass is PostgreSQL's (the tests' database); the sets run anywhere.
    period = Period(start, end)
    for scope_ in (Scope(org), Scope(org, program_id=world.program.pk)):
        assert _enrollment_funnel_in_one_pass(
            scope=scope_, period=period
        ) == _enrollment_funnel_by_sets(scope=scope_, period=period)
