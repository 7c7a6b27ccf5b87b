"""The program team's list of mentorships: metadata only (people, program, status, dates,
counts, ratings), never what pairs write (notes, messages, reflections, documents, goals)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    Mentorship,
)
from organizations.models import Organization


def mentorship_admin_list(
    *,
    organization: Organization,
    program_id: int | None = None,
    cohort_id: int | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Mentorship]:
    """Mentorships with `last_check_in_at`, `check_ins_held` (scheduled check-ins that have
    started), `average_rating` (of the members' records) and the rematch request's date; the
    query count does not grow with the rows (subqueries, one prefetch of the mentees)."""
    now = now or timezone.now()
    held = CheckIn.objects.for_org(organization).filter(
        mentorship=OuterRef("pk"), status=CheckInStatus.SCHEDULED, starts_at__lte=now
    )
    ratings = (
        CheckInRecord.objects.for_org(organization)
        .filter(check_in__mentorship=OuterRef("pk"), rating__isnull=False)
        .values("check_in__mentorship")
        .annotate(average=Avg("rating"))
        .values("average")
    )
    mentorships = (
        _filtered(organization, program_id=program_id, cohort_id=cohort_id)
        .select_related("mentor", "cohort", "cohort__program")
        .prefetch_related("mentees")
        .annotate(
            last_check_in_at=Subquery(held.order_by("-starts_at").values("starts_at")[:1]),
            check_ins_held=Coalesce(
                Subquery(
                    held.values("mentorship").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            average_rating=Subquery(ratings),
        )
        .only(
            "id",
            "status",
            "started_on",
            "ended_on",
            "paused_at",
            "close_reason",
            "rematch_requested_at",
            "created_at",
            "cohort__id",
            "cohort__name",
            "cohort__program__id",
            "cohort__program__name",
            "mentor__id",
            "mentor__full_name",
            "mentor__country",
            "mentor__time_zone",
        )
        .order_by("-created_at", "-id")
    )
    if status:
        mentorships = mentorships.filter(status=status)
    return mentorships


def mentorship_status_counts(
    *, organization: Organization, program_id: int | None = None, cohort_id: int | None = None
) -> dict[str, int]:
    """How many mentorships are in each status (under the program and cohort filters)."""
    return dict(
        _filtered(organization, program_id=program_id, cohort_id=cohort_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def _filtered(
    organization: Organization, *, program_id: int | None, cohort_id: int | None
) -> QuerySet[Mentorship]:
    mentorships = Mentorship.objects.for_org(organization)
    if program_id:
        mentorships = mentorships.filter(cohort__program_id=program_id)
    if cohort_id:
        mentorships = mentorships.filter(cohort_id=cohort_id)
    return mentorships
