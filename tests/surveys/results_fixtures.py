"""Surveys with submitted responses, written row by row, for the results tests.

The rows are written directly (as the answer-saving service leaves them once a response is
submitted, results' counts included), so each test states exactly which answers exist and can
compute its figures by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django_scopes import scope

from surveys.models import (
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
)
from surveys.result_counts import (
    answer_row,
    result_counts_change,
    survey_result_counts_rebuild,
)
from surveys.services import survey_results_changed

EVERY_TYPE: list[dict[str, Any]] = [
    {
        "key": "confidence",
        "type": QuestionType.SCALE_1_5,
        "text": {"en": "How confident do you feel?", "es": "¿Cuánta confianza sientes?"},
        "low_label": {"en": "Not at all"},
        "high_label": {"en": "Completely"},
    },
    {"key": "recommend", "type": QuestionType.NPS, "text": {"en": "Would you recommend it?"}},
    {
        "key": "good_match",
        "type": QuestionType.SINGLE,
        "text": {"en": "Is this a good match?"},
        "choices": [
            {"value": "yes", "label": {"en": "Yes", "es": "Sí"}},
            {"value": "no", "label": {"en": "No"}},
            {"value": "unsure", "label": {"en": "Not sure"}},
        ],
    },
    {
        "key": "skills",
        "type": QuestionType.MULTIPLE,
        "text": {"en": "Which skills grew?"},
        "choices": [
            {"value": "sql", "label": {"en": "SQL"}},
            {"value": "speaking", "label": {"en": "Public speaking"}},
            {"value": "leading", "label": {"en": "Leading"}},
        ],
    },
    {"key": "highlight", "type": QuestionType.SHORT_TEXT, "text": {"en": "One highlight"}},
    {"key": "story", "type": QuestionType.LONG_TEXT, "text": {"en": "Tell us more"}},
    {
        "key": "approach",
        "type": QuestionType.MATRIX,
        "text": {"en": "My mentor…"},
        "statements": [
            {"key": "listens", "text": {"en": "listens"}},
            {"key": "challenges", "text": {"en": "challenges me"}},
        ],
    },
]


def make_survey(
    organization,
    program,
    *,
    anonymous: bool = True,
    kind: str = "custom",
    questions: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Survey:
    """An open survey with one section holding `questions` (every type by default)."""
    now = timezone.now()
    with scope(organization=organization.pk):
        survey = Survey.objects.create(
            organization=organization,
            program=program,
            name={"en": "Midpoint check", "es": "Revisión intermedia"},
            kind=kind,
            anonymous=anonymous,
            status=SurveyStatus.OPEN,
            opens_at=now - dt.timedelta(days=10),
            closes_at=now + dt.timedelta(days=10),
            **fields,
        )
        section = SurveySection.objects.create(
            organization=organization, survey=survey, position=0, title={"en": "About you"}
        )
        for position, spec in enumerate(questions if questions is not None else EVERY_TYPE):
            SurveyQuestion.objects.create(
                organization=organization,
                survey=survey,
                section=section,
                position=position,
                **spec,
            )
    return survey


def respond(
    survey: Survey,
    answers: Mapping[str, Any],
    *,
    cohort=None,
    role: str = "mentee",
    country: str = "GB",
    function: str = "Engineering",
    seniority: int | None = 2,
    participant=None,
    mentorship=None,
    about_mentor=None,
    submitted: bool = True,
) -> SurveyResponse:
    """A response with `answers` by question key: a number (scale, NPS), a value (single), a
    list of values (multiple), text, or {statement: number} (matrix)."""
    organization = survey.organization
    with scope(organization=organization.pk):
        questions = {q.key: q for q in SurveyQuestion.objects.filter(survey=survey)}
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        response = SurveyResponse.objects.create(
            organization=organization,
            survey=survey,
            participant=None if survey.anonymous else participant,
            mentorship=None if survey.anonymous else mentorship,
            respondent_key=_key() if survey.anonymous or participant is None else "",
            about_mentor=about_mentor,
            cohort=cohort,
            role=role,
            country=country,
            function=function,
            seniority=seniority,
            draft=dict(answers),
            submitted_at=(today if survey.anonymous else timezone.now()) if submitted else None,
        )
        if submitted:
            rows = []
            for key, value in answers.items():
                question = questions[key]
                base = {
                    "organization": organization,
                    "survey": survey,
                    "response": response,
                    "question": question,
                }
                if question.type == QuestionType.MATRIX:
                    rows += [
                        SurveyAnswer(**base, statement=statement, number=number)
                        for statement, number in value.items()
                    ]
                elif question.type == QuestionType.MULTIPLE:
                    rows += [SurveyAnswer(**base, choice=choice) for choice in value]
                elif question.type == QuestionType.SINGLE:
                    rows.append(SurveyAnswer(**base, choice=value))
                elif question.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
                    rows.append(SurveyAnswer(**base, text=value))
                else:
                    rows.append(SurveyAnswer(**base, number=value))
            SurveyAnswer.objects.bulk_create(rows)
            survey_results_changed(organization=organization, survey_ids=[survey.pk])
            result_counts_change(
                organization=organization,
                response=response,
                before=None,
                after=[answer_row(row) for row in rows],
            )
    return response


_counter = iter(range(10**9))


def _key() -> str:
    return f"{next(_counter):064d}"


def invite(survey: Survey, participant, *, sent_at, answered_at=None) -> SurveyInvitation:
    with scope(organization=survey.organization_id):
        invitation = SurveyInvitation.objects.create(
            organization=survey.organization,
            survey=survey,
            participant=participant,
            role=participant.role,
            email=participant.email,
            sent_at=sent_at,
            answered_at=answered_at,
        )
        # Written around the services (with a chosen past), so counted again from the rows.
        survey_result_counts_rebuild(organization=survey.organization, survey=survey)
        return invitation
