"""Thin tasks: the database says which surveys are due; a task only triggers the scan."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.tenancy import for_each_organization
from surveys.dispatch import surveys_dispatch
from surveys.models import Survey, SurveyStatus
from surveys.result_counts import surveys_result_counts_rebuild


# Safe to repeat: invitations are inserted against unique constraints, sends are claimed row by
# row under SKIP LOCKED and recorded under idempotency keys, so beat firing twice, two workers at
# once or a message redelivered after a lost worker sends nothing twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_surveys_task() -> None:
    """Every minute: each organization with an open survey closes, invites, sends, reminds."""
    now = timezone.now()
    organization_ids = set(
        Survey.objects.with_scopes_disabled()
        .filter(status=SurveyStatus.OPEN)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for_each_organization(
        organization_ids,
        lambda organization: surveys_dispatch(organization=organization, now=now),
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def survey_result_counts_rebuild_task(organization_id: int, survey_ids: list[int] | None) -> None:
    """Count surveys' results again from their answers (safe to repeat: a rebuild replaces the
    counts under the survey's lock)."""
    for_each_organization(
        [organization_id],
        lambda organization: surveys_result_counts_rebuild(
            organization=organization, survey_ids=survey_ids
        ),
    )
