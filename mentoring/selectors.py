"""Reads for the app shell that span apps (the top layer may read every app below it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from matching.models import MatchProposal, MentorRequest, ProposalStatus, RequestStatus, RoundStatus
from organizations.models import Organization


@dataclass(frozen=True)
class DecisionCounts:
    """What waits for an admin's decision in an organization."""

    awaiting_review: int
    requests_awaiting_approval: int

    @property
    def total(self) -> int:
        return self.awaiting_review + self.requests_awaiting_approval


def _count(queryset: QuerySet) -> Coalesce:
    """`queryset`'s row count as a scalar subquery."""
    counted = queryset.order_by().values("organization").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def decision_counts(*, organization: Organization) -> DecisionCounts:
    """Proposed pairs of rounds awaiting review and mentor requests awaiting an admin's approval,
    in one query: the navigation shows them on every admin page."""
    proposals = MatchProposal.objects.for_org(organization).filter(
        status=ProposalStatus.PROPOSED, match_round__status=RoundStatus.PROPOSED
    )
    requests = MentorRequest.objects.for_org(organization).filter(
        status=RequestStatus.AWAITING_APPROVAL
    )
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(review=_count(proposals), approval=_count(requests))
        .values("review", "approval")
        .first()
    )
    if row is None:
        return DecisionCounts(awaiting_review=0, requests_awaiting_approval=0)
    return DecisionCounts(awaiting_review=row["review"], requests_awaiting_approval=row["approval"])
