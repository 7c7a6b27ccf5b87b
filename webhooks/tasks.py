"""Thin tasks: the database says which deliveries are due; a task only triggers the sending."""

from __future__ import annotations

from celery import shared_task

from core.tenancy import for_each_organization
from webhooks import services


# Safe to repeat: each delivery is claimed (row lock, then a lease) before it is sent, so beat
# firing twice, a trigger and the sweep at once, or a message redelivered after a lost worker
# send nothing twice while the first sender lives.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_due_webhooks_task(organization_id: int | None = None) -> None:
    """Every minute (beat, every organization) and right after an event (its organization):
    the deliveries that are due, and those whose worker was lost."""
    organization_ids = (
        {organization_id}
        if organization_id is not None
        else services.organizations_with_due_deliveries()
    )
    for_each_organization(
        organization_ids,
        lambda organization: services.deliveries_send_due(organization=organization),
    )
