"""What the surveys schema itself holds, whatever the services do: one invitation per person
(and mentorship), one named response per person, complete schedules, open surveys that close,
answers in range, and per-organization keys."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveySchedule
from tests.factories import ParticipantFactory
from tests.surveys.factories import (
    OpenSurveyFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    SurveySectionFactory,
)


def _refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.fixture
def survey(org):
    return OpenSurveyFactory(program__organization=org)


@pytest.fixture
def person(survey):
    return ParticipantFactory(cohort__program=survey.program)


def _invite(survey, person, mentorship=None):
    return SurveyInvitation.objects.create(
        organization=survey.organization,
        survey=survey,
        participant=person,
        mentorship=mentorship,
        role="mentee",
    )


def test_a_person_is_invited_once_to_a_survey_even_without_a_mentorship(survey, person):
    _invite(survey, person)

    _refused(lambda: _invite(survey, person))


def test_a_person_is_invited_once_per_mentorship_to_a_per_mentorship_survey(org, survey, person):
    from mentorships.models import Mentorship

    mentor = ParticipantFactory(cohort=person.cohort, role="mentor")
    first, second = (
        Mentorship.objects.create(
            organization=org, cohort=person.cohort, mentor=mentor, started_on=timezone.now().date()
        )
        for _ in range(2)
    )
    _invite(survey, person, first)
    _invite(survey, person, second)

    _refused(lambda: _invite(survey, person, first))


def test_a_token_hash_opens_one_invitation_only(survey, person):
    other = ParticipantFactory(cohort=person.cohort)
    invitation = _invite(survey, person)
    invitation.token_hash = "a" * 64
    invitation.save()
    twin = _invite(survey, other)
    twin.token_hash = "a" * 64

    _refused(twin.save)


def test_a_named_response_is_one_per_person_and_an_anonymous_one_needs_its_key(survey, person):
    org = survey.organization
    SurveyResponse.objects.create(organization=org, survey=survey, participant=person)

    _refused(
        lambda: SurveyResponse.objects.create(organization=org, survey=survey, participant=person)
    )
    _refused(lambda: SurveyResponse.objects.create(organization=org, survey=survey))
    SurveyResponse.objects.create(organization=org, survey=survey, respondent_key="k" * 64)
    _refused(
        lambda: SurveyResponse.objects.create(
            organization=org, survey=survey, respondent_key="k" * 64
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"trigger": "after_cohort_start"},
        {"trigger": "after_check_in"},
        {"trigger": "after_check_in", "check_in_number": 0},
        {"trigger": "on_date"},
    ],
)
def test_a_schedule_carries_what_its_trigger_needs(survey, fields):
    _refused(
        lambda: SurveySchedule.objects.create(
            organization=survey.organization, survey=survey, audience="both", **fields
        )
    )


def test_an_open_survey_has_a_closing_time_after_it_opens(org, program):
    _refused(lambda: SurveyFactory(program=program, status="open", closes_at=None))
    now = timezone.now()
    _refused(lambda: SurveyFactory(program=program, opens_at=now, closes_at=now))


def test_an_answer_number_stays_within_zero_to_ten(survey, person):
    org = survey.organization
    question = SurveyQuestionFactory(section=SurveySectionFactory(survey=survey))
    response = SurveyResponse.objects.create(organization=org, survey=survey, participant=person)

    def answer(number):
        return SurveyAnswer.objects.create(
            organization=org, survey=survey, response=response, question=question, number=number
        )

    _refused(lambda: answer(11))
    _refused(lambda: answer(-1))
    assert answer(10).number == 10


def test_question_keys_are_unique_within_a_survey_but_not_across_surveys(org, survey):
    section = SurveySectionFactory(survey=survey)
    SurveyQuestionFactory(section=section, key="good_match")
    other = SurveySectionFactory(survey=OpenSurveyFactory(program=survey.program))

    SurveyQuestionFactory(section=other, key="good_match")
    _refused(lambda: SurveyQuestionFactory(section=section, key="good_match"))


def test_responses_and_answers_have_random_ids(survey, person):
    org = survey.organization
    first = SurveyResponse.objects.create(organization=org, survey=survey, respondent_key="1")
    second = SurveyResponse.objects.create(organization=org, survey=survey, respondent_key="2")

    # UUIDs: nothing about the order in which people answered can be read from them.
    assert first.pk.version == 4 and second.pk.version == 4
