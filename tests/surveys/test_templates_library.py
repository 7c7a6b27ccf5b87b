"""The shipped survey templates: all seven the programs need, complete in English and Spanish,
with stable keys and conditions the builder accepts, copied whole into a program."""

from __future__ import annotations

import re

import pytest
from django_scopes import scopes_disabled

from surveys.models import QuestionType, SurveyKind, SurveyQuestion, SurveySchedule, SurveySection
from surveys.services import (
    QuestionInput,
    answers_clean,
    question_save,
    survey_create_from_template,
)
from surveys.templates_library import SURVEY_TEMPLATES, SurveyTemplate

KEY = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


def _texts(template: SurveyTemplate):
    yield template.name
    yield template.intro
    yield template.description
    for section in template.sections:
        yield section.title
        for question in section.questions:
            yield question.text
            for text in (question.help_text, question.low_label, question.high_label):
                if text:
                    yield text
            for choice in question.choices:
                yield choice.label
            for statement in question.statements:
                yield statement.text


def test_the_library_ships_the_seven_surveys_the_programs_ask_for():
    kinds = {template.kind for template in SURVEY_TEMPLATES.values()}

    assert kinds == {
        SurveyKind.MATCH_CHECK,
        SurveyKind.MIDPOINT,
        SurveyKind.END,
        SurveyKind.MENTOR_FEEDBACK,
        SurveyKind.MENTOR_VIEW,
        SurveyKind.SAFETY_PULSE,
        SurveyKind.NPS,
    }


@pytest.mark.parametrize("template", SURVEY_TEMPLATES.values(), ids=lambda t: t.key)
def test_every_text_is_written_in_english_and_spanish(template):
    for text in _texts(template):
        assert set(text) == {"en", "es"}, text
        assert text["en"].strip() and text["es"].strip(), text


@pytest.mark.parametrize("template", SURVEY_TEMPLATES.values(), ids=lambda t: t.key)
def test_keys_are_unique_slugs_and_conditions_follow_earlier_answers(template):
    seen: dict[str, object] = {}
    for section in template.sections:
        for question in section.questions:
            assert KEY.match(question.key), question.key
            assert question.key not in seen
            if question.show_if:
                source_key, values = question.show_if
                source = seen[source_key]  # an earlier question
                allowed = {c.value for c in source.choices} or {str(n) for n in range(0, 11)}
                assert set(values) <= allowed
            if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                assert len(question.choices) >= 2
            if question.type == QuestionType.MATRIX:
                assert question.statements
            seen[question.key] = question
    assert template.schedules


def test_the_match_check_asks_whether_it_is_a_good_match_and_offers_a_new_one():
    template = SURVEY_TEMPLATES["match_check"]
    questions = {q.key: q for s in template.sections for q in s.questions}

    good_match = questions["good_match"]
    assert good_match.required
    assert {c.value for c in good_match.choices} >= {"yes", "no"}
    new_match = questions["request_new_match"]
    assert new_match.show_if == ("good_match", ("no",))
    assert {c.value for c in new_match.choices} == {"yes", "no"}
    assert template.per_mentorship and not template.anonymous


def test_the_end_of_program_survey_measures_the_promised_outcomes():
    keys = {q.key for s in SURVEY_TEMPLATES["end"].sections for q in s.questions}

    assert {
        "confidence",
        "skills_gained",
        "network_growth",
        "cultural_awareness",
        "cross_functional_understanding",
    } <= keys


def test_mentor_feedback_is_anonymous_from_mentees_about_each_mentorship():
    template = SURVEY_TEMPLATES["mentor_feedback"]

    assert template.anonymous and template.per_mentorship
    assert {s.audience for s in template.schedules} == {"mentees"}


def test_the_program_nps_asks_zero_to_ten():
    [first, *_rest] = [q for s in SURVEY_TEMPLATES["nps"].sections for q in s.questions]

    assert first.key == "recommend"
    assert first.type == QuestionType.NPS


@pytest.mark.parametrize("key", list(SURVEY_TEMPLATES))
def test_a_copy_holds_every_section_question_and_schedule_of_its_template(org, program, key):
    template = SURVEY_TEMPLATES[key]

    survey = survey_create_from_template(
        organization=org, program=program, template_key=key, actor=None
    )

    with scopes_disabled():
        sections = list(SurveySection.objects.filter(survey=survey))
        questions = list(
            SurveyQuestion.objects.filter(survey=survey).order_by("section__position", "position")
        )
        schedules = SurveySchedule.objects.filter(survey=survey).count()
    assert [s.title for s in sections] == [dict(s.title) for s in template.sections]
    assert [q.key for q in questions] == [q.key for s in template.sections for q in s.questions]
    assert schedules == len(template.schedules)
    assert (survey.kind, survey.anonymous, survey.name) == (
        template.kind,
        template.anonymous,
        dict(template.name),
    )
    # Every copied question passes the builder's own checks when saved again unchanged.
    for question in questions:
        question_save(
            organization=org,
            survey=survey,
            section=question.section,
            question=question,
            data=QuestionInput(
                type=question.type,
                key=question.key,
                text=question.text,
                help_text=question.help_text,
                low_label=question.low_label,
                high_label=question.high_label,
                choices=question.choices,
                statements=question.statements,
                required=question.required,
                show_if=question.show_if,
            ),
        )
    # Nothing answered: a submit names exactly the required questions that show.
    required = {q.key for q in questions if q.required and not q.show_if}
    with pytest.raises(Exception) as refusal:
        answers_clean(questions=questions, answers={}, submit=True)
    assert set(refusal.value.errors) == required


def test_an_unknown_template_is_refused(org, program):
    with pytest.raises(Exception) as refusal:
        survey_create_from_template(
            organization=org, program=program, template_key="nope", actor=None
        )

    assert refusal.value.field == "template"
