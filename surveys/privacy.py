"""The organization's anonymity threshold for survey results: the one write this app makes to
the organization, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from organizations.models import Organization
from organizations.services import audit_log_record
from surveys.anonymity import MINIMUM_THRESHOLD

# Above this a typical cohort could never be filtered at all.
THRESHOLD_MAX = 50


@transaction.atomic
def anonymity_threshold_set(*, organization: Organization, threshold: int, actor: User) -> None:
    if not MINIMUM_THRESHOLD <= threshold <= THRESHOLD_MAX:
        raise DomainError(
            _("Choose a number from %(low)d to %(high)d.")
            % {"low": MINIMUM_THRESHOLD, "high": THRESHOLD_MAX},
            field="survey_anonymity_threshold",
            code="invalid",
        )
    before = organization.survey_anonymity_threshold
    Organization.objects.filter(pk=organization.pk).update(survey_anonymity_threshold=threshold)
    organization.survey_anonymity_threshold = threshold
    audit_log_record(
        organization=organization,
        actor=actor,
        action="surveys.anonymity_threshold_set",
        target=organization.name,
        data={"before": before, "after": threshold},
    )
