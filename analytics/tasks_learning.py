"""Thin tasks: train the learned match-success models (analytics/learning.py), and the state of
a training an admin started, which the "Train now" page follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from analytics import learning
from core.tenancy import for_each_organization

# Longer than any training takes; a state older than this (a worker lost mid-run) is forgotten
# and the page offers the button again.
TRAINING_STATE_SECONDS = 60 * 60


def _training_key(organization_id: int, program_id: int) -> str:
    return f"learned-training:{organization_id}:{program_id}"


def training_state(organization_id: int, program_id: int) -> dict[str, Any] | None:
    """`{"state": "running" | "done" | "failed", "started_at": datetime, "finished_at": …}` of
    the latest training started from the page, or None."""
    state = cache.get(_training_key(organization_id, program_id))
    return state if isinstance(state, dict) else None


def training_mark(
    organization_id: int,
    program_id: int,
    state: str,
    *,
    started_at: dt.datetime | None = None,
) -> None:
    previous = training_state(organization_id, program_id) or {}
    now = timezone.now()
    cache.set(
        _training_key(organization_id, program_id),
        {
            "state": state,
            "started_at": started_at or previous.get("started_at") or now,
            "finished_at": None if state == "running" else now,
        },
        TRAINING_STATE_SECONDS,
    )


def _train_one(organization_id: int, program_id: int) -> None:
    def train(organization: Any) -> None:
        learning.learned_model_train_by_id(organization=organization, program_id=program_id)

    try:
        for_each_organization([organization_id], train)
    except Exception:
        training_mark(organization_id, program_id, "failed")
        raise
    training_mark(organization_id, program_id, "done")


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
        _train_one(organization_id, program_id)
