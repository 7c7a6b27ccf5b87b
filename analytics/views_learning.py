"""The "Train now" button of a cohort's matching settings: trains its program's model of match
success in the background (analytics/tasks_learning.py)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError

from analytics.tasks_learning import train_learned_models_task
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from programs.selectors import cohort_get

logger = logging.getLogger(__name__)


def _enqueue(organization_id: int, program_id: int) -> None:
    try:
        train_learned_models_task.delay(organization_id=organization_id, program_id=program_id)
    except OperationalError:
        # The broker is down: the nightly run trains the model anyway.
        logger.exception("could not enqueue training of program %s", program_id)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def learned_train(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    transaction.on_commit(lambda: _enqueue(organization.pk, cohort.program_id))
    messages.success(
        request,
        _("Training started on the program's past pairs; the figures here update in a minute."),
    )
    return redirect("matching:cohort_matching", org_slug=org_slug, cohort_id=cohort.pk)
