"""Programs' statuses in the design system's words: which badge variant a cohort stage takes.

core's components know no domain (docs/design.md), so the mapping lives with the domain."""

from typing import Any

from django import template

from programs.models import CohortStatus

register = template.Library()

COHORT_STATUS_VARIANTS = {
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


@register.filter
def seats_filled(cohort: Any) -> int:
    """Seats taken on both sides (someone who is both mentor and mentee holds one of each)."""
    return int(getattr(cohort, "mentor_count", 0)) + int(getattr(cohort, "mentee_count", 0))


@register.filter
def seats_total(cohort: Any) -> int:
    return int(cohort.mentor_capacity) + int(cohort.mentee_capacity)


@register.filter
def capacity_variant(cohort_or_left: Any) -> str:
    """A capacity bar turns amber when few seats are left on a side (a fifth or less)."""
    return "warning" if cohort_or_left else "brand"
