"""Thin tasks: train the learned match-success models (analytics/learning.py)."""

from __future__ import annotations

from celery import shared_task

from analytics import learning
from core.tenancy import for_each_organization


# Safe to repeat: each run stores a program's newest model and deletes the older ones, so a
# second run (beat firing twice, a redelivered message) only replaces a model with its twin.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def train_learned_models_task(
    organization_id: int | None = None, program_id: int | None = None
) -> None:
    """Nightly for every organization; for one program when an admin presses "Train now"."""
    if organization_id is None:
        learning.learned_models_train_everywhere()
    elif program_id is None:
        for_each_organization(
            [organization_id],
            lambda organization: learning.learned_models_train(organization=organization),
        )
    else:
        for_each_organization(
            [organization_id],
            lambda organization: learning.learned_model_train_by_id(
                organization=organization, program_id=program_id
            ),
        )
