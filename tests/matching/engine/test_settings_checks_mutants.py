"""`MatchSettings` reads what a caller may pass (lists for pairs, strings for choices, one role
as a string) into the frozen values the engine relies on, and refuses the two settings that
cannot make sense: no candidates per mentee, a seniority gap whose low end is above its high.

Written for the mutants of `MatchSettings.__post_init__` in `matching/engine/types.py`
(docs/testing.md, third round); expected values are written out, not computed.
"""

from __future__ import annotations

import pytest

from matching.engine import HardRules, MatchSettings, Mentee, Mentor, Weights, match
from matching.engine.types import Objective, ProgramGoal, ProgramKind


def test_pairs_given_as_lists_are_kept_as_tuples_so_the_settings_can_be_hashed():
    settings = MatchSettings(
        forbidden_pairs=[["a", "x"]],
        pinned_pairs=[["b", "y"], ["c", "z"]],
        previous_pairs=[["a", "y"]],
    )
    assert settings.forbidden_pairs == (("a", "x"),)
    assert settings.pinned_pairs == (("b", "y"), ("c", "z"))
    assert settings.previous_pairs == (("a", "y"),)
    same = MatchSettings(
        forbidden_pairs=(("a", "x"),),
        pinned_pairs=(("b", "y"), ("c", "z")),
        previous_pairs=(("a", "y"),),
    )
    assert settings == same
    assert hash(settings) == hash(same)


def test_no_pairs_and_no_roles_are_empty_tuples():
    settings = MatchSettings(
        forbidden_pairs=None,
        pinned_pairs=None,
        board_roles=None,
    )
    assert settings.forbidden_pairs == ()
    assert settings.pinned_pairs == ()
    assert settings.board_roles == ()


def test_one_board_role_given_as_a_string_is_one_role_not_its_letters():
    assert MatchSettings(board_roles="chair").board_roles == ("chair",)
    assert MatchSettings(board_roles=["chair", "treasurer"]).board_roles == (
        "chair",
        "treasurer",
    )


def test_a_seniority_gap_given_as_a_list_is_a_tuple():
    settings = MatchSettings(seniority_gap=[2, 4])
    assert settings.seniority_gap == (2, 4)
    assert type(settings.seniority_gap) is tuple


def test_choices_given_by_their_names_become_the_enums():
    settings = MatchSettings(
        objective="fairness",
        program_goal="cross_cultural",
        program_kind="group",
    )
    assert type(settings.objective) is Objective
    assert settings.objective is Objective.FAIRNESS
    assert type(settings.program_goal) is ProgramGoal
    assert settings.program_goal is ProgramGoal.CROSS_CULTURAL
    assert type(settings.program_kind) is ProgramKind
    assert settings.program_kind is ProgramKind.GROUP


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("objective", "fastest", "'fastest' is not a valid Objective"),
        ("program_goal", "world_peace", "'world_peace' is not a valid ProgramGoal"),
        ("program_kind", "pairs", "'pairs' is not a valid ProgramKind"),
    ],
)
def test_an_unknown_choice_is_refused(field, value, message):
    with pytest.raises(ValueError) as error:
        MatchSettings(**{field: value})
    assert str(error.value) == message


@pytest.mark.parametrize("limit", [0, -1, -20])
def test_fewer_than_one_candidate_per_mentee_is_refused(limit):
    with pytest.raises(ValueError) as error:
        MatchSettings(candidate_limit=limit)
    assert str(error.value) == "candidate_limit must be at least 1"


@pytest.mark.parametrize("limit", [1, 2, 20, 1000])
def test_one_candidate_per_mentee_or_more_is_taken(limit):
    assert MatchSettings(candidate_limit=limit).candidate_limit == limit


@pytest.mark.parametrize("gap", [(2, 1), (5, 0), [4, 3]])
def test_a_gap_whose_low_end_is_above_its_high_end_is_refused(gap):
    with pytest.raises(ValueError) as error:
        MatchSettings(seniority_gap=gap)
    assert str(error.value) == "seniority_gap must be (low, high) with low <= high"


@pytest.mark.parametrize("gap", [(2, 2), (0, 0), (1, 3), (-3, 8)])
def test_a_gap_whose_low_end_is_at_most_its_high_end_is_taken(gap):
    assert MatchSettings(seniority_gap=gap).seniority_gap == gap


def test_the_defaults_pass_their_own_checks_and_are_the_documented_ones():
    """docs/matching-format.md's settings table: 20 candidates, 8 certification rounds."""
    settings = MatchSettings()
    assert settings.candidate_limit == 20
    assert settings.max_certification_rounds == 8
    assert settings.seniority_gap == (1, 3)
    assert settings.objective is Objective.PARTICIPATION_FIRST


@pytest.mark.parametrize("skills_weight", [0.5, 1.0, 3.0])
def test_the_weights_are_relative_so_a_perfect_pair_scores_1_whatever_they_sum_to(skills_weight):
    """`Weights`: the score divides by the sum of the active weights. With skills the only
    weighted factor, a mentor offering exactly the skill wanted scores 1, not the weight."""
    only_skills = Weights(
        text=0.0,
        skills=skills_weight,
        language=0.0,
        hours=0.0,
        seniority=0.0,
        diversity=0.0,
        preferences=0.0,
    )
    result = match(
        [Mentee(id="a", skills_wanted=("python",))],
        [Mentor(id="x", skills_offered=("python",))],
        MatchSettings(weights=only_skills, hard_rules=HardRules(shared_language=False)),
    )
    (pair,) = result.pairs
    assert pair.score == pytest.approx(1.0)
