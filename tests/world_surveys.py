"""One row of every surveys model for tests/world.py (the isolation sweeps attack them)."""

import datetime as dt
import hashlib

from django.utils import timezone


def world_rows(context: dict) -> list:
    """Rows in context["organization"]; context holds its program, cohort, mentee, mentor,
    mentorship, membership, user and match_round."""
    from surveys.models import (
        Survey,
        SurveyAnswer,
        SurveyInvitation,
        SurveyQuestion,
        SurveyResponse,
        SurveyResultCount,
        SurveySchedule,
        SurveySection,
    )

    organization = context["organization"]
    org = {"organization": organization}
    mentee, mentorship = context["mentee"], context["mentorship"]
    survey = Survey.objects.create(
        **org,
        program=context["program"],
        name={"en": "Foreign survey"},
        kind="match_check",
        per_mentorship=True,
        status="open",
        closes_at=timezone.now() + dt.timedelta(days=14),
    )
    section = SurveySection.objects.create(**org, survey=survey, title={"en": "s"})
    question = SurveyQuestion.objects.create(
        **org, survey=survey, section=section, key="good_match", type="scale_1_5", text={"en": "q"}
    )
    schedule = SurveySchedule.objects.create(
        **org, survey=survey, trigger="after_mentorship_published", days=14, audience="mentees"
    )
    invitation = SurveyInvitation.objects.create(
        **org,
        survey=survey,
        schedule=schedule,
        participant=mentee,
        mentorship=mentorship,
        role="mentee",
        token_hash=hashlib.sha256(f"world-{organization.pk}".encode()).hexdigest(),
        sent_at=timezone.now(),
        expires_at=survey.closes_at,
    )
    response = SurveyResponse.objects.create(
        **org,
        survey=survey,
        participant=mentee,
        mentorship=mentorship,
        about_mentor=context["mentor"],
        cohort=context["cohort"],
        role="mentee",
        draft={"good_match": 4},
        submitted_at=timezone.now(),
    )
    answer = SurveyAnswer.objects.create(
        **org, survey=survey, response=response, question=question, number=4
    )
    count = SurveyResultCount.objects.create(
        **org, survey=survey, whole=True, question=question, number=4, n=1
    )
    return [survey, section, question, schedule, invitation, response, answer, count]
