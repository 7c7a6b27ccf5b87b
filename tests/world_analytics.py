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
    return [snapshot, *_recognition_rows(context)]


def _recognition_rows(context: dict) -> list:
    """A thank-you to the world's mentor (recog's rows)."""
    from analytics.models import ThankYou

    thank_you = ThankYou.objects.create(
        organization=context["organization"],
        mentor=context["mentor"],
        from_user=context["user"],
        message="Thank you for your time.",
    )
    return [thank_you, _learned_model_row(context)]


def _learned_model_row(context: dict):
    """The program's learned match model (matching's table, trained by analytics)."""
    from matching.models import LearnedMatchModel

    return LearnedMatchModel.objects.create(
        organization=context["organization"],
        program=context["program"],
        trained_at=timezone.now(),
        n_pairs=1,
        auc=0.5,
        brier=0.25,
        model=b"",
    )
