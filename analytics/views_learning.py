"""The "Train now" page of a cohort's matching settings: how many labelled pairs its program's
past mentorships give, how many training needs and where they come from; when there are
enough, the button that trains the program's model of match success in the background
(analytics/tasks_learning.py), then its progress and result."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from analytics.learning import CONTINUED_AFTER_DAYS, CONTINUED_CHECK_INS, MIN_TRAINING_PAIRS
from analytics.learning import labelled_pairs as labelled_pairs_of
from analytics.tasks_learning import train_learned_models_task, training_mark, training_state
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from matching.engine.learned import MIN_PER_CLASS
from matching.learned import LEARNED_THRESHOLD, learned_model_get
from organizations.models import Organization
from programs.models import Cohort
from programs.selectors import cohort_get

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """The program's labelled pairs against what training needs."""

    pairs: int
    good: int

    @property
    def not_good(self) -> int:
        return self.pairs - self.good

    @property
    def ready(self) -> bool:
        return self.pairs >= MIN_TRAINING_PAIRS and min(self.good, self.not_good) >= MIN_PER_CLASS


def _readiness(organization: Organization, cohort: Cohort) -> Readiness:
    pairs = labelled_pairs_of(organization=organization, program=cohort.program)
    return Readiness(pairs=len(pairs), good=sum(1 for pair in pairs if pair.success))


def _enqueue(organization_id: int, program_id: int) -> None:
    try:
        train_learned_models_task.delay(organization_id=organization_id, program_id=program_id)
    except OperationalError:
        # The broker is down: the nightly run trains the model anyway.
        training_mark(organization_id, program_id, "failed")
        logger.exception("could not enqueue training of program %s", program_id)


@requires(Capability.MANAGE_PROGRAMS)
def learned_train(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    readiness = _readiness(organization, cohort)
    state = training_state(organization.pk, cohort.program_id)
    running = state is not None and state["state"] == "running"
    if request.method == "POST":
        if not readiness.ready:
            # Nothing to learn from yet: the page says what is missing instead.
            messages.info(request, _("Not enough labelled pairs to train yet; nothing started."))
        elif not running:
            training_mark(organization.pk, cohort.program_id, "running")
            program_id = cohort.program_id
            transaction.on_commit(lambda: _enqueue(organization.pk, program_id))
        return redirect("analytics:learned_train", org_slug=org_slug, cohort_id=cohort.pk)
    context: dict[str, Any] = {
        "cohort": cohort,
        "readiness": readiness,
        "state": state,
        "running": running,
        "model": learned_model_get(organization=organization, program_id=cohort.program_id),
        "min_pairs": MIN_TRAINING_PAIRS,
        "min_per_class": MIN_PER_CLASS,
        "threshold": LEARNED_THRESHOLD,
        "after_days": CONTINUED_AFTER_DAYS,
        "check_ins": CONTINUED_CHECK_INS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "analytics/learning_train_status.html", context)
    return render(request, "analytics/learning_train.html", context)
