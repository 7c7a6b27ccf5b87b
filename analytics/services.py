"""The analytics app's writes: the nightly snapshots of each cohort's day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone

from analytics.metrics import (
    ACTIVE_WINDOW_DAYS,
    MENTEE_ROLES,
    SATISFIED_FROM,
    Scope,
    day_start,
    held_check_ins,
    open_on,
)
from analytics.models import CohortDaySnapshot
from analytics.models.snapshots import FIGURES, bump_data_version
from analytics.selectors import without_jit
from core.tenancy import for_each_organization
from mentorships.models import (
    CheckInRecord,
    Mentorship,
    MentorshipMentee,
    MentorshipStatus,
)
from participants.models import Participant, ParticipantStatus
from programs.models import Cohort

if TYPE_CHECKING:
    from organizations.models import Organization


def cohort_day_figures(*, organization: Organization, day: dt.date) -> dict[int, dict[str, int]]:
    """Each cohort's figures for `day`, as docs/metrics.md defines them: four grouped queries
    for the whole organization, whatever its number of cohorts. Every cohort, whatever its
    status, closed and draft ones too (their rows are cheap): a day is read from the snapshots
    only when every cohort of the scope has one (`analytics.selectors.covered_days`)."""
    begins = day_start(day)
    ends = day_start(day + dt.timedelta(days=1))
    cohort_ids = list(Cohort.objects.for_org(organization).values_list("pk", flat=True))
    figures: dict[int, dict[str, int]] = {pk: dict.fromkeys(FIGURES, 0) for pk in cohort_ids}
    if not cohort_ids:
        return figures
    scope = Scope(organization)

    def add(rows: Any, key: str) -> None:
        for row in rows:
            if row[key] in figures:
                figures[row[key]].update({k: v or 0 for k, v in row.items() if k != key})

    stayed = Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=ends)
    mentee = Q(role__in=MENTEE_ROLES)
    in_open_mentorship = Exists(
        MentorshipMentee.objects.for_org(organization).filter(
            Q(mentee=OuterRef("pk")),
            Q(mentorship__started_on__lte=day),
            Q(mentorship__ended_on__isnull=True) | Q(mentorship__ended_on__gte=day),
        )
    )
    add(
        Participant.objects.for_org(organization)
        .filter(cohort_id__in=cohort_ids, created_at__lt=ends)
        .order_by()
        .values("cohort_id")
        .annotate(
            participants=Count("pk", filter=stayed),
            mentees=Count("pk", filter=stayed & mentee),
            matched_mentees=Count("pk", filter=stayed & mentee & Q(in_open_mentorship)),
            joined=Count("pk", filter=Q(created_at__gte=begins)),
            withdrawals=Count(
                "pk",
                filter=Q(
                    status=ParticipantStatus.WITHDRAWN,
                    withdrawn_at__gte=begins,
                    withdrawn_at__lt=ends,
                ),
            ),
        ),
        "cohort_id",
    )
    recently_held = held_check_ins(scope, before=ends).filter(
        mentorship=OuterRef("pk"),
        starts_at__gte=day_start(day - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1)),
    )
    closed_today = Q(ended_on=day)
    add(
        Mentorship.objects.for_org(organization)
        .filter(cohort_id__in=cohort_ids, started_on__lte=day)
        .order_by()
        .values("cohort_id")
        .annotate(
            mentorships_open=Count("pk", filter=open_on(day)),
            mentorships_active=Count("pk", filter=open_on(day) & Q(Exists(recently_held))),
            mentorships_started=Count("pk", filter=Q(started_on=day)),
            mentorships_completed=Count(
                "pk", filter=closed_today & Q(status=MentorshipStatus.COMPLETED)
            ),
            mentorships_ended_early=Count(
                "pk", filter=closed_today & Q(status=MentorshipStatus.ENDED)
            ),
        ),
        "cohort_id",
    )
    held_today = held_check_ins(scope, before=ends).filter(
        starts_at__gte=begins, mentorship__cohort_id__in=cohort_ids
    )
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    for row in (
        held_today.order_by()
        .values("mentorship__cohort_id")
        .annotate(held=Count("pk"), length=Sum(length))
    ):
        cohort_figures = figures[row["mentorship__cohort_id"]]
        cohort_figures["check_ins_held"] = row["held"]
        duration = row["length"] or dt.timedelta(0)
        cohort_figures["minutes_mentored"] = round(duration.total_seconds() / 60)
        cohort_figures["seconds_mentored"] = round(duration.total_seconds())
    add(
        CheckInRecord.objects.for_org(organization)
        .filter(check_in__in=held_today.values("pk"), rating__isnull=False)
        .order_by()
        .values("check_in__mentorship__cohort_id")
        .annotate(
            ratings=Count("pk"),
            rating_total=Sum("rating"),
            satisfied_ratings=Count("pk", filter=Q(rating__gte=SATISFIED_FROM)),
            **{f"rating_{value}": Count("pk", filter=Q(rating=value)) for value in range(1, 6)},
        ),
        "check_in__mentorship__cohort_id",
    )
    return figures


@transaction.atomic
def organization_snapshots_take(*, organization: Organization, day: dt.date) -> int:
    """Write (or rewrite) each live cohort's snapshot of `day`; returns how many. Idempotent:
    a second run finds the same figures and overwrites the rows it wrote, by the unique
    (organization, cohort, day)."""
    without_jit()  # grouped counts the planner would compile for longer than they run
    figures = cohort_day_figures(organization=organization, day=day)
    now = timezone.now()
    rows = [
        CohortDaySnapshot(
            organization=organization, cohort_id=cohort_id, day=day, taken_at=now, **values
        )
        for cohort_id, values in figures.items()
    ]
    CohortDaySnapshot.objects.for_org(organization).bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["organization", "cohort", "day"],
        update_fields=[*FIGURES, "taken_at"],
    )
    # `bulk_create` sends no signal: the cached dashboards are told here.
    bump_data_version(organization.pk)
    return len(rows)


def snapshots_take(day: dt.date) -> dict[int, int]:
    """Every organization's snapshots of `day`, one organization at a time in its own scope
    and transaction; returns the rows written per organization id."""
    written: dict[int, int] = defaultdict(int)
    organization_ids = set(
        Cohort.objects.with_scopes_disabled().values_list("organization_id", flat=True).distinct()
    )

    def take(organization: Organization) -> None:
        written[organization.pk] = organization_snapshots_take(organization=organization, day=day)

    for_each_organization(organization_ids, take)
    return dict(written)
