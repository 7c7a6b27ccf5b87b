"""`survey_outcomes`, the selector analytics reads: satisfaction, NPS and "good match" answers,
with anonymous surveys counted whole or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorships.models import Mentorship
from surveys.results import survey_outcomes
from tests.factories import CohortFactory, ParticipantFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db


def _outcomes(org, **scope_kwargs):
    with scope(organization=org.pk):
        return survey_outcomes(organization=org, **scope_kwargs)


def _pair(org, cohort):
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentee = ParticipantFactory(cohort=cohort)
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on=dt.date(2026, 9, 1)
        )
    return mentorship, mentee


def test_named_answers_give_satisfaction_nps_and_good_match_per_mentorship(org, program, cohort):
    survey = make_survey(org, program, anonymous=False, kind="match_check")
    first, ana = _pair(org, cohort)
    second, ben = _pair(org, cohort)
    respond(
        survey,
        {"confidence": 5, "recommend": 10, "good_match": "yes"},
        cohort=cohort,
        participant=ana,
        mentorship=first,
    )
    respond(
        survey,
        {"confidence": 2, "recommend": 5, "good_match": "no"},
        cohort=cohort,
        participant=ben,
        mentorship=second,
    )

    outcomes = _outcomes(org)

    assert (outcomes.satisfaction.mean, outcomes.satisfaction.answers) == (3.5, 2)
    assert outcomes.satisfaction_by_kind["match_check"].mean == 3.5
    assert (outcomes.nps.promoters, outcomes.nps.detractors, outcomes.nps.score) == (1, 1, 0)
    assert {(a.mentorship_id, a.good, a.value) for a in outcomes.good_match} == {
        (first.pk, True, "yes"),
        (second.pk, False, "no"),
    }
    assert {a.survey_kind for a in outcomes.good_match} == {"match_check"}


def test_named_answers_are_scoped_by_cohort_and_day(org, program, cohort):
    survey = make_survey(org, program, anonymous=False)
    other = CohortFactory(program=program)
    respond(survey, {"confidence": 5}, cohort=cohort, participant=ParticipantFactory(cohort=cohort))
    respond(survey, {"confidence": 1}, cohort=other, participant=ParticipantFactory(cohort=other))
    today = timezone.localdate()

    assert _outcomes(org, cohort=cohort).satisfaction.mean == 5.0
    assert _outcomes(org, since=today, until=today).satisfaction.answers == 2
    assert _outcomes(org, until=today - dt.timedelta(days=1)).satisfaction.answers == 0


def test_an_anonymous_survey_counts_whole_by_its_closing_day(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for score in (5, 5, 4, 4, 2):
        respond(survey, {"confidence": score}, cohort=cohort)
    closing = timezone.localdate(survey.closes_at)

    assert _outcomes(org, since=closing, until=closing).satisfaction.answers == 5
    # A range that ends before the survey closes leaves all of it out, whatever the answer days.
    assert _outcomes(org, until=closing - dt.timedelta(days=1)).satisfaction.answers == 0
    # No "good match" answer comes from an anonymous survey: it names no mentorship.
    assert _outcomes(org).good_match == []


def test_an_anonymous_survey_below_the_threshold_or_a_too_small_cohort_is_withheld(org, program):
    big, small = CohortFactory(program=program), CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for _ in range(6):
        respond(survey, {"confidence": 4}, cohort=big)
    respond(survey, {"confidence": 1}, cohort=small)

    whole = _outcomes(org)
    assert (whole.satisfaction.answers, whole.withheld_surveys) == (7, 0)
    # The small cohort's one person could be read off; its whole cohort filter is refused.
    small_view = _outcomes(org, cohort=small)
    assert (small_view.satisfaction.answers, small_view.withheld_surveys) == (0, 1)
    # The big cohort is everyone but that one person: refused as well (its complement is 1).
    assert _outcomes(org, cohort=big).satisfaction.answers == 0

    tiny = make_survey(org, program, anonymous=True)
    respond(tiny, {"confidence": 3}, cohort=big)
    assert _outcomes(org).withheld_surveys == 1


def test_outcomes_take_the_same_queries_for_any_number_of_surveys(org, program, cohort):
    counts = []
    for surveys in (1, 4):
        for _ in range(surveys):
            survey = make_survey(org, program, anonymous=True)
            for _ in range(5):
                respond(survey, {"confidence": 3, "recommend": 9}, cohort=cohort)
        with scope(organization=org.pk), CaptureQueriesContext(connection) as queries:
            survey_outcomes(organization=org)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4
