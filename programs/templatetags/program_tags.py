"""Programs' statuses in the design system's words: which badge variant a cohort stage takes.

core's components know no domain (docs/design.md), so the mapping lives with the domain."""

from typing import Any

from django import template

from programs.models import CohortStatus

register = template.Library()

COHORT_STATUS_VARIANTS: dict[str, str] = {
    CohortStatus.DRAFT: "neutral",
    CohortStatus.ENROLLING: "brand",
    CohortStatus.MATCHING: "warning",
    CohortStatus.ACTIVE: "success",
    CohortStatus.CLOSED: "neutral",
}


@register.filter
def cohort_status_variant(status: Any) -> str:
    """`{% badge cohort.get_status_display variant=cohort.status|cohort_status_variant %}`."""
    return COHORT_STATUS_VARIANTS.get(str(status), "neutral")
