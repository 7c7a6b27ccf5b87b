"""The survey services' guards, each by itself, where the builder, answer and template tests let
a small change through (docs/testing.md, fourth round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from surveys import services
from surveys.models import Survey, SurveyQuestion, SurveySection
from tests.surveys.dispatch_fixtures import make_program, make_survey

pytestmark = pytest.mark.django_db


def _update(org, survey, **changes):
    fields = {
        "name": dict(survey.name),
        "intro": dict(survey.intro or {}),
        "anonymous": survey.anonymous,
        "per_mentorship": survey.per_mentorship,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "reminder_after_days": survey.reminder_after_days,
        "mentor_feedback_visible": survey.mentor_feedback_visible,
        **changes,
    }
    with scope(organization=org.pk):
        return services.survey_update(organization=org, survey=survey, **fields)


def _saved(survey):
    with scopes_disabled():
        return Survey.objects.get(pk=survey.pk)


@pytest.mark.parametrize("change", [{"anonymous": True}, {"per_mentorship": True}])
def test_an_open_survey_keeps_what_its_answers_were_promised(org, change):
    survey = make_survey(org, make_program(org, pairs=1).program)

    with pytest.raises(DomainError) as refused:
        _update(org, survey, **change)

    assert refused.value.field == "anonymous"
    saved = _saved(survey)
    assert (saved.anonymous, saved.per_mentorship) == (False, False)


def test_an_open_survey_needs_a_closing_time_in_the_future(org):
    survey = make_survey(org, make_program(org, pairs=1).program)
    closes_at = survey.closes_at

    for closing in (None, timezone.now() - dt.timedelta(minutes=1)):
        with pytest.raises(DomainError) as refused:
            _update(org, survey, closes_at=closing)
        assert refused.value.field == "closes_at"
    assert _saved(survey).closes_at == closes_at
    moved = closes_at + dt.timedelta(days=7)
    assert _update(org, survey, closes_at=moved).closes_at == moved


def test_a_name_may_be_exactly_500_characters_in_each_language(org):
    survey = make_survey(org, make_program(org, pairs=1).program)

    saved = _update(org, survey, name={"en": "n" * 500, "es": " " + "e" * 500 + " "})

    assert saved.name == {"en": "n" * 500, "es": "e" * 500}
    with pytest.raises(DomainError) as refused:
        _update(org, survey, name={"en": "n" * 501})
    assert (refused.value.field, "501" in str(refused.value)) == ("name", True)


def test_a_key_made_from_the_text_takes_the_next_free_number():
    assert services._unique_key("rating", set()) == "rating"
    assert services._unique_key("rating", {"rating"}) == "rating_2"
    assert services._unique_key("rating", {"rating", "rating_2", "rating_4"}) == "rating_3"
    long = "x" * services.KEY_MAX_LENGTH
    assert services._unique_key(long, {long}) == "x" * (services.KEY_MAX_LENGTH - 2) + "_2"


def _draft_with_questions(org, count):
    program = make_program(org, pairs=1).program
    with scope(organization=org.pk):
        survey = services.survey_create(
            organization=org, program=program, name={"en": "Pulse"}, actor=None
        )
        section = SurveySection.objects.get(survey=survey)
        saved = [
            services.question_save(
                organization=org,
                survey=survey,
                section=section,
                data=services.QuestionInput(type="long_text", text={"en": "What went well?"}),
            )
            for _ in range(count)
        ]
    return survey, saved


def test_questions_of_a_new_survey_are_numbered_from_1_with_keys_from_their_text(org):
    _survey, saved = _draft_with_questions(org, 3)

    assert [(q.position, q.key) for q in saved] == [
        (1, "what_went_well"),
        (2, "what_went_well_2"),
        (3, "what_went_well_3"),
    ]


def test_a_question_nothing_depends_on_is_deleted_beside_others_with_and_without_conditions(org):
    survey, (plain, depended_on, deleted) = _draft_with_questions(org, 3)
    with scopes_disabled():
        SurveyQuestion.objects.filter(pk=plain.pk).update(
            show_if={"question": depended_on.key, "values": ["x"]}
        )

    with scope(organization=org.pk):
        services.question_delete(organization=org, survey=survey, question=deleted)

    with scopes_disabled():
        assert set(SurveyQuestion.objects.filter(survey=survey).values_list("pk", flat=True)) == {
            plain.pk,
            depended_on.pk,
        }


def test_a_question_whose_text_has_no_latin_letters_gets_a_valid_key_the_second_time():
    # A text in Chinese slugs to "": the first such question is "question", the next
    # "question_2", never "_2" (which the builder's own key rule refuses).
    assert services._unique_key("", {"question"}) == "question_2"
    assert services._unique_key("", {"question", "question_2"}) == "question_3"
