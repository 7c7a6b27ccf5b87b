"""Reads of the surveys app: a program's surveys, and one survey's structure for the builder and
the respondent's form.

Results (aggregates, filters, the anonymity threshold) are read in `surveys.results`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.models import Organization
from programs.models import Program
from surveys.models import (
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveySchedule,
    SurveySection,
)


def survey_list(*, organization: Organization, program: Program | None = None) -> QuerySet[Survey]:
    """Surveys with their program, and counts of questions, people invited and answers
    submitted (one query)."""
    surveys = (
        Survey.objects.for_org(organization)
        .select_related("program")
        .annotate(
            question_count=Count("questions", distinct=True),
            invited_count=Count("invitations", distinct=True),
            answered_count=Count(
                "invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True
            ),
        )
        .order_by("program__name", "program_id", "-created_at", "-id")
    )
    if program is not None:
        surveys = surveys.filter(program=program)
    return surveys


def survey_get(*, organization: Organization, survey_id: int) -> Survey:
    survey = (
        Survey.objects.for_org(organization).select_related("program").filter(pk=survey_id).first()
    )
    if survey is None:
        raise Http404(_("No such survey."))
    return survey


def survey_section_get(
    *, organization: Organization, survey_id: int, survey_section_id: int
) -> SurveySection:
    """One section of the survey `survey_id`; 404 for another survey's or organization's."""
    section = (
        SurveySection.objects.for_org(organization)
        .filter(survey_id=survey_id, pk=survey_section_id)
        .first()
    )
    if section is None:
        raise Http404(_("No such section."))
    return section


def survey_question_get(
    *, organization: Organization, survey_id: int, survey_question_id: int
) -> SurveyQuestion:
    """One question of the survey `survey_id`; 404 for another survey's or organization's."""
    question = (
        SurveyQuestion.objects.for_org(organization)
        .filter(survey_id=survey_id, pk=survey_question_id)
        .first()
    )
    if question is None:
        raise Http404(_("No such question."))
    return question


def survey_schedule_get(
    *, organization: Organization, survey_id: int, survey_schedule_id: int
) -> SurveySchedule:
    """One schedule of the survey `survey_id`; 404 for another survey's or organization's."""
    schedule = (
        SurveySchedule.objects.for_org(organization)
        .filter(survey_id=survey_id, pk=survey_schedule_id)
        .first()
    )
    if schedule is None:
        raise Http404(_("No such schedule."))
    return schedule


def survey_schedules(*, organization: Organization, survey: Survey) -> list[SurveySchedule]:
    return list(
        SurveySchedule.objects.for_org(organization)
        .filter(survey=survey)
        .select_related("cohort")
        .order_by("id")
    )


@dataclass(frozen=True)
class SectionWithQuestions:
    section: SurveySection
    questions: list[SurveyQuestion]


def survey_structure(*, organization: Organization, survey: Survey) -> list[SectionWithQuestions]:
    """Sections in order, each with its questions in order (two queries), empty sections too."""
    sections = list(SurveySection.objects.for_org(organization).filter(survey=survey))
    by_section: dict[int, list[SurveyQuestion]] = {section.pk: [] for section in sections}
    for question in ordered_questions(organization=organization, survey=survey):
        by_section.setdefault(question.section_id, []).append(question)
    return [SectionWithQuestions(section, by_section[section.pk]) for section in sections]


def ordered_questions(*, organization: Organization, survey: Survey) -> list[SurveyQuestion]:
    """The survey's questions in the order a respondent meets them (sections, then questions)."""
    return list(
        SurveyQuestion.objects.for_org(organization)
        .filter(survey=survey)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )


def named_scale_answers(*, organization: Organization) -> QuerySet[SurveyAnswer]:
    """The 1-5 scale answers of submitted responses to named surveys: the answers that say who
    gave them (`response__participant`), for figures per person or per group of people, such as
    analytics' fairness report (the mean answer of each mentee's group).

    Anonymous answers are left out on purpose: they reach no person and no group, only the whole
    survey's results, under the threshold rule of `surveys.anonymity`."""
    return SurveyAnswer.objects.for_org(organization).filter(
        survey__anonymous=False,
        response__submitted_at__isnull=False,
        question__type=QuestionType.SCALE_1_5,
        number__isnull=False,
    )
