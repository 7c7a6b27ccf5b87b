from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Organization
from programs.models import Cohort, CohortStatus, EnrollmentQuestion, Program


def program_list(
    *, organization: Organization, include_archived: bool = False
) -> QuerySet[Program]:
    programs = Program.objects.for_org(organization).annotate(cohort_count=Count("cohorts"))
    if not include_archived:
        programs = programs.filter(is_archived=False)
    return programs.order_by("name", "id")


def program_get(*, organization: Organization, program_id: int) -> Program:
    program = Program.objects.for_org(organization).filter(pk=program_id).first()
    if program is None:
        raise Http404(_("No such program."))
    return program


def _with_seat_counts(cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
    # The seats are stored on the cohort (kept by the participant services under the cohort's
    # row lock); the names are the ones pages and the API have always read.
    return cohorts.annotate(
        mentor_count=F("mentor_seats_taken"), mentee_count=F("mentee_seats_taken")
    )


def cohort_list(*, organization: Organization, program: Program | None = None) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.for_org(organization).select_related("program", "organization")
    if program is not None:
        cohorts = cohorts.filter(program=program)
    return _with_seat_counts(cohorts).order_by("-starts_on", "id")


def cohort_list_open(*, organization: Organization) -> QuerySet[Cohort]:
    """The catalog: cohorts enrolling now, in programs that are not archived."""
    now = timezone.now()
    cohorts = cohort_list(organization=organization).filter(
        status=CohortStatus.ENROLLING,
        enrollment_opens_at__lte=now,
        enrollment_closes_at__gt=now,
        program__is_archived=False,
    )
    return cohorts.order_by("enrollment_closes_at", "id")


def cohort_get(*, organization: Organization, cohort_id: int) -> Cohort:
    cohort = cohort_list(organization=organization).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404(_("No such cohort."))
    return cohort


def question_list(*, organization: Organization, cohort: Cohort) -> QuerySet[EnrollmentQuestion]:
    return EnrollmentQuestion.objects.for_org(organization).filter(cohort=cohort)


def question_get(*, organization: Organization, question_id: int) -> EnrollmentQuestion:
    question = EnrollmentQuestion.objects.for_org(organization).filter(pk=question_id).first()
    if question is None:
        raise Http404(_("No such question."))
    return question
