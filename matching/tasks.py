"""Thin tasks: ids in, one service call, organization scope set explicitly."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from core.tenancy import for_each_organization, in_organization
from matching import services
from organizations.models import Organization

logger = logging.getLogger(__name__)


def _organization(organization_id: int) -> Organization | None:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("organization %s is gone; task skipped", organization_id)
    return organization


# Only a trigger: the round's row says whether there is a run to do, and the claim lets one
# worker at a time do it. So a message redelivered after a lost worker, or sent twice by the
# sweep, is safe, and is acknowledged only once the run has ended.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_match_round_task(organization_id: int, round_id: int) -> None:
    organization = _organization(organization_id)
    if organization is None:
        return
    with in_organization(organization.pk):
        services.round_run(organization=organization, round_id=round_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_match_rounds_task() -> None:
    """Every minute: queue again the runs whose trigger or worker was lost (docs/operations.md)."""
    from matching.models import MatchRound, RoundStatus

    # Only which organizations have unfinished rounds; each is swept inside its own scope.
    organization_ids = set(
        MatchRound.objects.with_scopes_disabled()
        .filter(status__in=[RoundStatus.DRAFT, RoundStatus.RUNNING])
        .values_list("organization_id", flat=True)
    )
    for_each_organization(
        organization_ids, lambda organization: services.rounds_sweep(organization=organization)
    )


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def notify_match_published_task(organization_id: int, mentorship_ids: list[int]) -> None:
    organization = _organization(organization_id)
    if organization is None:
        return
    with in_organization(organization.pk):
        services.notify_match_published(organization=organization, mentorship_ids=mentorship_ids)


@shared_task(acks_late=True, ignore_result=True)
def announce_matches_task() -> None:
    """Every five minutes: the news of recent matches whose task was never queued or was lost."""
    from matching.services.publish import ANNOUNCE_WINDOW
    from mentorships.models import Mentorship

    since = timezone.now() - ANNOUNCE_WINDOW
    organization_ids = set(
        Mentorship.objects.with_scopes_disabled()
        .filter(created_at__gte=since)
        .values_list("organization_id", flat=True)
    )
    for_each_organization(
        organization_ids,
        lambda organization: services.unannounced_matches_notify(organization=organization),
    )


@shared_task(acks_late=True, ignore_result=True)
def expire_mentor_requests_task() -> None:
    """Hourly: unanswered self-match requests pass to the mentee's next choice, and open
    requests of people who have withdrawn end."""
    from django.db.models import Q
    from django.utils import timezone

    from matching.models import MentorRequest, RequestStatus
    from matching.services.requests import OPEN_REQUEST_STATUSES
    from participants.models import ParticipantStatus

    # Only which organizations have work; each is then handled inside its own scope.
    departed = ~Q(mentee__status=ParticipantStatus.ACTIVE) | ~Q(
        mentor__status=ParticipantStatus.ACTIVE
    )
    organization_ids = set(
        MentorRequest.objects.with_scopes_disabled()
        .filter(
            Q(status=RequestStatus.PENDING, expires_at__lte=timezone.now())
            | (Q(status__in=OPEN_REQUEST_STATUSES) & departed)
        )
        .values_list("organization_id", flat=True)
    )

    def handle(organization: Organization) -> None:
        services.mentor_requests_release_withdrawn(organization=organization)
        services.mentor_requests_expire(organization=organization)

    for_each_organization(organization_ids, handle)


@shared_task(acks_late=True, ignore_result=True)
def start_scheduled_rounds_task() -> None:
    """Daily: start the weekly newcomer rounds that are due, one organization at a time."""
    for organization in Organization.objects.order_by("pk").iterator():
        with in_organization(organization.pk):
            services.scheduled_rounds_start(organization=organization)
