"""Factories of the surveys models, and a helper that makes an invitation with a known token."""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone

from surveys.models import (
    QuestionType,
    Survey,
    SurveyInvitation,
    SurveyQuestion,
    SurveySchedule,
    SurveySection,
    SurveyStatus,
)
from surveys.result_counts import invitations_sent_count
from surveys.services import token_hash
from tests.factories import ParticipantFactory, ProgramFactory


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: {"en": f"Survey {n}", "es": f"Encuesta {n}"})


class OpenSurveyFactory(SurveyFactory):
    status = SurveyStatus.OPEN
    opened_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class SurveySectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveySection

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.SelfAttribute("survey.organization")
    position = factory.Sequence(lambda n: n + 1)
    title = {"en": "About you", "es": "Sobre ti"}


class SurveyQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyQuestion

    section = factory.SubFactory(SurveySectionFactory)
    survey = factory.SelfAttribute("section.survey")
    organization = factory.SelfAttribute("section.organization")
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"question_{n}")
    type = QuestionType.SCALE_1_5
    text = {"en": "How is it going?", "es": "¿Cómo va?"}


class SurveyScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveySchedule

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.SelfAttribute("survey.organization")
    trigger = "after_cohort_start"
    days = 0
    audience = "both"


def invitation_with_token(
    survey: Survey, *, participant=None, mentorship=None, role: str = "mentee"
) -> tuple[SurveyInvitation, str]:
    """A sent invitation to `survey` and the plain token of its link (only its hash is kept)."""
    participant = participant or ParticipantFactory(
        cohort__program=survey.program, organization=survey.organization
    )
    token = secrets.token_urlsafe(32)
    invitation = SurveyInvitation.objects.create(
        organization=survey.organization,
        survey=survey,
        participant=participant,
        mentorship=mentorship,
        role=role,
        token_hash=token_hash(token),
        sent_at=timezone.now(),
        expires_at=survey.closes_at,
    )
    # Counted as the dispatch batch that sends it would count it (the response-rate line).
    invitations_sent_count(
        organization=survey.organization, survey_ids=[survey.pk], sent_at=invitation.sent_at
    )
    return invitation, token
