"""Reading a mentorship's goals, their milestones, progress and history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from mentorships.models import Goal, GoalChange, GoalStatus, Mentorship, Milestone
from organizations.models import Organization


def goal_get(*, organization: Organization, goal_id: int) -> Goal:
    goal = (
        Goal.objects.for_org(organization).filter(pk=goal_id).select_related("mentorship").first()
    )
    if goal is None:
        raise DomainError(_("No such goal."), code="not_found")
    return goal


def milestone_get(*, organization: Organization, milestone_id: int) -> Milestone:
    milestone = (
        Milestone.objects.for_org(organization)
        .filter(pk=milestone_id)
        .select_related("goal__mentorship")
        .first()
    )
    if milestone is None:
        raise DomainError(_("No such milestone."), code="not_found")
    return milestone


def goal_list(*, organization: Organization, mentorship: Mentorship) -> QuerySet[Goal]:
    """The plan, open goals first, each with its milestones, in three queries."""
    return (
        Goal.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .select_related("proposed_by")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.for_org(organization).select_related("done_by"),
            )
        )
        .annotate(
            milestone_count=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False)),
        )
        .order_by("position", "id")
    )


def goal_history(
    *, organization: Organization, mentorship: Mentorship, limit: int = 50
) -> QuerySet[GoalChange]:
    return (
        GoalChange.objects.for_org(organization)
        .filter(goal__mentorship=mentorship)
        .select_related("actor", "goal")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class GoalSummary:
    open: int
    done: int
    overdue: int

    @property
    def total(self) -> int:
        return self.open + self.done

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def goal_summary(*, organization: Organization, mentorship: Mentorship) -> GoalSummary:
    """Counts for the mentorship's home, dropped goals left out, in one query."""
    counts = (
        Goal.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .aggregate(
            open=Count("pk", filter=Q(status__in=[GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS])),
            done=Count("pk", filter=Q(status=GoalStatus.DONE)),
            overdue=Count(
                "pk",
                filter=Q(
                    status__in=[GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS],
                    target_date__lt=timezone.localdate(),
                ),
            ),
        )
    )
    return GoalSummary(**counts)
