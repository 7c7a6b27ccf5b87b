"""Saving a respondent's answers: every question type round-trips from the form to typed answer
rows and back, conditions drop hidden answers, required applies only when shown, partial saves
keep a draft, and anonymous responses stay unlinked from the person."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.http import QueryDict
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError
from surveys.forms import answers_from_post, respondent_sections
from surveys.models import QuestionType, SurveyAnswer, SurveyResponse
from surveys.selectors import ordered_questions, survey_structure
from surveys.services import AnswersInvalid, answers_clean, response_save, survey_close
from tests.factories import ParticipantFactory
from tests.surveys.factories import (
    OpenSurveyFactory,
    SurveyQuestionFactory,
    SurveySectionFactory,
    invitation_with_token,
)

CHOICES = [
    {"value": "yes", "label": {"en": "Yes", "es": "Sí"}},
    {"value": "unsure", "label": {"en": "Not sure", "es": "No sé"}},
    {"value": "no", "label": {"en": "No", "es": "No"}},
]
STATEMENTS = [
    {"key": "listens", "text": {"en": "Listens", "es": "Escucha"}},
    {"key": "challenges", "text": {"en": "Challenges me", "es": "Me desafía"}},
]


@pytest.fixture
def survey(org):
    return OpenSurveyFactory(program__organization=org)


def _every_type(survey):
    section = SurveySectionFactory(survey=survey, organization=survey.organization)

    def add(key, kind, **extra):
        return SurveyQuestionFactory(section=section, key=key, type=kind, **extra)

    return [
        add("scale", QuestionType.SCALE_1_5),
        add("nps", QuestionType.NPS),
        add("single", QuestionType.SINGLE, choices=CHOICES),
        add("multiple", QuestionType.MULTIPLE, choices=CHOICES),
        add("short", QuestionType.SHORT_TEXT),
        add("long", QuestionType.LONG_TEXT),
        add("matrix", QuestionType.MATRIX, statements=STATEMENTS),
    ]


def _post(pairs):
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return data


def test_every_question_type_round_trips_from_the_form_to_answer_rows_and_back(org, survey):
    questions = _every_type(survey)
    invitation, token = invitation_with_token(survey)
    posted = _post(
        [
            ("q-scale", "4"),
            ("q-nps", "0"),
            ("q-single", "unsure"),
            ("q-multiple", "no"),
            ("q-multiple", "yes"),
            ("q-short", "  Listening  "),
            ("q-long", "Line one\nline two"),
            ("q-matrix-listens", "5"),
            ("q-matrix-challenges", "2"),
        ]
    )

    response = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers=answers_from_post(questions, posted),
        submit=True,
    )

    expected = {
        "scale": 4,
        "nps": 0,
        "single": "unsure",
        "multiple": ["yes", "no"],  # in the order of the choices
        "short": "Listening",
        "long": "Line one\nline two",
        "matrix": {"listens": 5, "challenges": 2},
    }
    assert response.draft == expected
    with scopes_disabled():
        rows = {
            (a.question.key, a.statement, a.number, a.choice, a.text)
            for a in SurveyAnswer.objects.filter(response=response).select_related("question")
        }
    assert rows == {
        ("scale", "", 4, "", ""),
        ("nps", "", 0, "", ""),
        ("single", "", None, "unsure", ""),
        ("multiple", "", None, "yes", ""),
        ("multiple", "", None, "no", ""),
        ("short", "", None, "", "Listening"),
        ("long", "", None, "", "Line one\nline two"),
        ("matrix", "listens", 5, "", ""),
        ("matrix", "challenges", 2, "", ""),
    }
    # Drawn again with the saved answers, every input shows what was chosen.
    sections = respondent_sections(
        survey_structure(organization=org, survey=survey), response.draft
    )
    shown = {q.question.key: q for s in sections for q in s.questions}
    assert [o.value for o in shown["scale"].options if o.selected] == ["4"]
    assert [o.value for o in shown["nps"].options if o.selected] == ["0"]
    assert [o.value for o in shown["multiple"].options if o.selected] == ["yes", "no"]
    assert {
        s.key: [o.value for o in s.options if o.selected] for s in shown["matrix"].statements
    } == {
        "listens": ["5"],
        "challenges": ["2"],
    }
    assert shown["short"].value == "Listening"


@pytest.mark.parametrize(
    ("kind", "value", "extra"),
    [
        (QuestionType.SCALE_1_5, "6", {}),
        (QuestionType.SCALE_1_5, "0", {}),
        (QuestionType.NPS, "11", {}),
        (QuestionType.NPS, "-1", {}),
        (QuestionType.SINGLE, "maybe", {"choices": CHOICES}),
        (QuestionType.MULTIPLE, ["yes", "other"], {"choices": CHOICES}),
        (QuestionType.SHORT_TEXT, "x" * 301, {}),
        (QuestionType.LONG_TEXT, "x" * 5001, {}),
        (QuestionType.MATRIX, {"listens": "9"}, {"statements": STATEMENTS}),
        (QuestionType.MATRIX, {"unknown": "3"}, {"statements": STATEMENTS}),
    ],
)
def test_an_answer_outside_what_the_question_allows_is_refused(org, survey, kind, value, extra):
    question = SurveyQuestionFactory(
        section=SurveySectionFactory(survey=survey), key="q", type=kind, **extra
    )

    with pytest.raises(AnswersInvalid) as refusal:
        answers_clean(questions=[question], answers={"q": value}, submit=False)

    assert set(refusal.value.errors) == {"q"}


def _match_check(survey):
    section = SurveySectionFactory(survey=survey)
    good = SurveyQuestionFactory(
        section=section, key="good_match", type=QuestionType.SINGLE, choices=CHOICES, required=True
    )
    why = SurveyQuestionFactory(
        section=section,
        key="why_not",
        type=QuestionType.LONG_TEXT,
        required=True,
        show_if={"question": "good_match", "values": ["no", "unsure"]},
    )
    rematch = SurveyQuestionFactory(
        section=section,
        key="rematch",
        type=QuestionType.SINGLE,
        choices=CHOICES[::2],
        required=True,
        show_if={"question": "good_match", "values": ["no"]},
    )
    return [good, why, rematch]


def test_a_hidden_question_is_not_required_and_its_answer_is_dropped(org, survey):
    questions = _match_check(survey)

    cleaned = answers_clean(
        questions=questions,
        answers={"good_match": "yes", "why_not": "typed before changing my mind", "rematch": "no"},
        submit=True,
    )

    assert cleaned == {"good_match": "yes"}


def test_a_shown_required_question_must_be_answered_on_submit(org, survey):
    questions = _match_check(survey)

    with pytest.raises(AnswersInvalid) as refusal:
        answers_clean(questions=questions, answers={"good_match": "no"}, submit=True)

    assert set(refusal.value.errors) == {"why_not", "rematch"}


def test_a_question_following_a_hidden_question_is_hidden_too(org, survey):
    section = SurveySectionFactory(survey=survey)
    first = SurveyQuestionFactory(section=section, key="a", type="single", choices=CHOICES)
    second = SurveyQuestionFactory(
        section=section,
        key="b",
        type="single",
        choices=CHOICES,
        show_if={"question": "a", "values": ["no"]},
    )
    third = SurveyQuestionFactory(
        section=section,
        key="c",
        type="short_text",
        required=True,
        show_if={"question": "b", "values": ["yes"]},
    )

    # b was answered "yes" earlier, then a changed to "yes": b is hidden, and so is c.
    cleaned = answers_clean(
        questions=[first, second, third], answers={"a": "yes", "b": "yes"}, submit=True
    )

    assert cleaned == {"a": "yes"}


def test_a_required_matrix_needs_every_statement_rated(org, survey):
    question = SurveyQuestionFactory(
        section=SurveySectionFactory(survey=survey),
        key="m",
        type="matrix",
        statements=STATEMENTS,
        required=True,
    )

    with pytest.raises(AnswersInvalid):
        answers_clean(questions=[question], answers={"m": {"listens": "4"}}, submit=True)
    assert answers_clean(questions=[question], answers={"m": {"listens": "4"}}, submit=False) == {
        "m": {"listens": 4}
    }


def test_a_partial_save_keeps_a_draft_that_results_do_not_read(org, survey):
    questions = _match_check(survey)
    invitation, token = invitation_with_token(survey)

    response = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "no"},
        submit=False,
    )

    assert response.draft == {"good_match": "no"}
    assert response.submitted_at is None
    with scopes_disabled():
        assert not SurveyAnswer.objects.filter(response=response).exists()
        invitation.refresh_from_db()
    assert invitation.started_at is not None
    assert invitation.answered_at is None
    assert questions  # the survey has its questions


def test_a_response_can_be_changed_through_the_same_link_until_the_survey_closes(org, survey):
    _match_check(survey)
    invitation, token = invitation_with_token(survey)
    first = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "no", "why_not": "We never met", "rematch": "yes"},
        submit=True,
    )

    second = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "yes", "why_not": "We never met", "rematch": "yes"},
        submit=True,
    )

    assert second.pk == first.pk
    with scopes_disabled():
        assert SurveyResponse.objects.filter(survey=survey).count() == 1
        choices = set(
            SurveyAnswer.objects.filter(response=second).values_list("question__key", "choice")
        )
    assert choices == {("good_match", "yes")}
    survey_close(organization=org, survey=survey)
    with pytest.raises(DomainError) as refusal:
        response_save(
            organization=org,
            invitation=invitation,
            token=token,
            answers={"good_match": "no"},
            submit=True,
        )
    assert refusal.value.code == "survey_closed"


def test_a_token_that_is_not_the_invitations_saves_nothing(org, survey):
    _match_check(survey)
    invitation, _token = invitation_with_token(survey)

    with pytest.raises(DomainError):
        response_save(
            organization=org,
            invitation=invitation,
            token="guessed",
            answers={"good_match": "yes"},
            submit=True,
        )

    with scopes_disabled():
        assert not SurveyResponse.objects.exists()


def test_a_named_response_names_the_person_and_copies_their_attributes(org, survey):
    _match_check(survey)
    participant = ParticipantFactory(
        cohort__program=survey.program, country="MX", function="Finance", seniority=4
    )
    invitation, token = invitation_with_token(survey, participant=participant, role="mentee")

    response = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "yes"},
        submit=True,
    )

    assert response.participant == participant
    assert response.respondent_key == ""
    assert (response.cohort_id, response.role, response.country, response.function) == (
        participant.cohort_id,
        "mentee",
        "MX",
        "Finance",
    )
    assert response.seniority == 4


def test_an_anonymous_response_keeps_no_link_to_the_person_and_only_the_token_finds_it(org):
    survey = OpenSurveyFactory(program__organization=org, anonymous=True)
    _match_check(survey)
    participant = ParticipantFactory(cohort__program=survey.program, country="BR")
    invitation, token = invitation_with_token(survey, participant=participant)
    moment = timezone.now().replace(hour=15, minute=47)

    response = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "yes"},
        submit=True,
        now=moment,
    )

    response.refresh_from_db()
    assert response.participant_id is None
    assert response.mentorship_id is None
    assert response.respondent_key == hashlib.sha256(f"response:{token}".encode()).hexdigest()
    assert response.respondent_key != invitation.token_hash
    # Nothing in the stored times lines the response up with the invitation's answered_at.
    for stamp in (response.created_at, response.submitted_at, response.updated_at):
        assert (stamp.hour, stamp.minute, stamp.second) == (0, 0, 0)
    assert response.country == "BR"  # the filters' attributes stay
    again = response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": "no", "why_not": "x", "rematch": "yes"},
        submit=True,
        now=moment + dt.timedelta(hours=1),
    )
    assert again.pk == response.pk


def test_the_first_save_through_one_link_retires_the_invitations_other_link(org, survey):
    _match_check(survey)
    invitation, token = invitation_with_token(survey)
    reminder_token = "reminder-token"
    invitation.reminder_token_hash = hashlib.sha256(reminder_token.encode()).hexdigest()
    invitation.save()

    response_save(
        organization=org,
        invitation=invitation,
        token=reminder_token,
        answers={"good_match": "yes"},
        submit=False,
    )

    invitation.refresh_from_db()
    assert invitation.token_hash is None
    assert invitation.reminder_token_hash is not None
    with pytest.raises(DomainError):
        response_save(
            organization=org,
            invitation=invitation,
            token=token,
            answers={"good_match": "yes"},
            submit=False,
        )


def test_questions_come_in_section_then_question_order(org, survey):
    later = SurveySectionFactory(survey=survey, position=2)
    earlier = SurveySectionFactory(survey=survey, position=1)
    b = SurveyQuestionFactory(section=later, key="b", position=1)
    a2 = SurveyQuestionFactory(section=earlier, key="a2", position=2)
    a1 = SurveyQuestionFactory(section=earlier, key="a1", position=1)

    assert [q.key for q in ordered_questions(organization=org, survey=survey)] == [
        a1.key,
        a2.key,
        b.key,
    ]
