"""A round compares the engine with the greedy baseline like with like (issue 6 §2.5): the
objective the engine optimised, measured the same way on both, and the engine never loses."""

import pytest
from django_scopes import scope, scopes_disabled

from matching import services
from matching.models import MatchRound
from mentoring.demo_data import seed_demo
from programs.models import Cohort, ProgramType

pytestmark = pytest.mark.django_db


def _demo_round(program_type: str) -> MatchRound:
    """The demo organization's cohort of that kind of program, run once."""
    organization = seed_demo(participants=240).organization
    with scopes_disabled():
        cohort = Cohort.objects.get(organization=organization, program__program_type=program_type)
    with scope(organization=organization.pk):
        match_round = MatchRound.objects.create(organization=organization, cohort=cohort)
        services.round_run(organization=organization, round_id=match_round.pk)
    with scopes_disabled():
        match_round.refresh_from_db()
    return match_round


def _comparison(match_round):
    return match_round.solver_report["comparison"]


def test_a_group_round_reports_score_and_cohesion_for_both():
    figures = _comparison(_demo_round(ProgramType.GROUP))
    engine, baseline = figures["engine"], figures["baseline"]

    for side in (engine, baseline):
        assert {"pair_score", "cohesion", "cohesion_mean", "cohesion_weight", "objective"} <= set(
            side
        )
        assert side["objective"] == pytest.approx(
            side["pair_score"] + side["cohesion_weight"] * side["cohesion"]
        )
    # The engine may give up pair score for cohesion, never the weighted sum it optimises.
    assert engine["objective"] >= baseline["objective"]
    assert engine["cohesion_mean"] >= baseline["cohesion_mean"]


def test_a_board_round_compares_seats_filled_then_score_against_a_greedy_board():
    match_round = _demo_round(ProgramType.ADVISORY_BOARD)
    engine, baseline = _comparison(match_round)["engine"], _comparison(match_round)["baseline"]

    # The baseline fills board seats by role too: it matches at most the seats the engine does.
    assert baseline["matched"] == match_round.greedy_matched_slots
    assert engine["matched"] >= baseline["matched"]
    if engine["matched"] == baseline["matched"]:
        assert engine["objective"] >= baseline["objective"]
    for side in (engine, baseline):
        assert side["objective"] == pytest.approx(
            side["pair_score"] - side["repeat_penalty"] * side["repeats"]
        )
