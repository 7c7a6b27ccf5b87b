"""One row of every analytics model for tests/world.py (the isolation sweeps attack them)."""

from django.utils import timezone


def world_rows(context: dict) -> list:
    """Rows in context["organization"]; context holds its program, cohort, mentee, mentor,
    mentorship, membership, user and match_round."""
    from analytics.models import CohortDaySnapshot

    snapshot = CohortDaySnapshot.objects.create(
        organization=context["organization"],
        cohort=context["cohort"],
        day=timezone.localdate(),
        participants=2,
        check_ins_held=1,
    )
    return [snapshot]
