"""Invariants on arbitrary small cohorts, and the promise to never do worse than greedy."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import MatchSettings, greedy_match, match
from tests.matching.engine import reference
from tests.matching.engine.instances import random_instance
from tests.matching.engine.random_cases import cases, engine_inputs
from tests.matching.engine.reference import Case

OBJECTIVES = ["participation_first", "score_first", "fairness", "stable"]


@st.composite
def instances(draw):
    seed = draw(st.integers(0, 10**9))
    rng = random.Random(seed)
    instance = random_instance(
        rng,
        draw(st.integers(1, 8)),
        draw(st.integers(1, 6)),
        max_wanted=draw(st.integers(1, 3)),
        max_capacity=draw(st.integers(1, 3)),
        density=draw(st.floats(0.1, 1.0)),
    )
    allowed = sorted(instance.scores)
    forbidden = draw(st.lists(st.sampled_from(allowed), max_size=3)) if allowed else []
    return instance, tuple(forbidden)


@st.composite
def pinned_instances(draw):
    """With pins and a candidate limit small enough that pinned pairs are pruned away."""
    instance, forbidden = draw(instances())
    open_pairs = [pair for pair in sorted(instance.scores) if pair not in forbidden]
    pinned = (
        draw(st.lists(st.sampled_from(open_pairs), max_size=2, unique=True)) if open_pairs else []
    )
    return instance, forbidden, tuple(pinned), draw(st.integers(1, 3))


@settings(max_examples=150, deadline=None)
@given(pinned_instances(), st.sampled_from([*OBJECTIVES, "greedy"]))
def test_every_answer_respects_demand_capacity_single_use_and_hard_rules(case, objective):
    instance, forbidden, pinned, candidate_limit = case
    run = greedy_match if objective == "greedy" else match
    result = run(
        instance.mentees,
        instance.mentors,
        MatchSettings(
            objective="participation_first" if objective == "greedy" else objective,
            forbidden_pairs=forbidden,
            pinned_pairs=pinned,
            candidate_limit=candidate_limit,
        ),
        instance.pair_scores,
    )
    pairs = [(p.mentee_id, p.mentor_id) for p in result.pairs]
    assert len(pairs) == len(set(pairs))  # a pinned pair is never added a second time
    assert set(pinned) <= set(pairs)
    # An admin's pin is kept even beyond capacity or demand (with a warning), never more.
    for mentee in instance.mentees:
        pins = sum(1 for a, _ in pinned if a == mentee.id)
        assert sum(1 for a, _ in pairs if a == mentee.id) <= max(mentee.mentors_wanted, pins)
    for mentor in instance.mentors:
        pins = sum(1 for _, b in pinned if b == mentor.id)
        assert sum(1 for _, b in pairs if b == mentor.id) <= max(mentor.capacity, pins)
    for pair in pairs:
        assert pair in instance.scores  # only allowed pairs
        assert pair not in forbidden
    unfilled = {u.mentee_id: u.slots_unfilled for u in result.unmatched}
    for mentee in instance.mentees:
        got = sum(1 for a, _ in pairs if a == mentee.id)
        assert unfilled.get(mentee.id, 0) == max(mentee.mentors_wanted - got, 0)


@settings(max_examples=120, deadline=None)
@given(instances())
def test_never_fewer_matched_slots_than_greedy_and_never_less_score_at_equal_coverage(case):
    instance, forbidden = case
    options = MatchSettings(forbidden_pairs=forbidden)
    ours = match(instance.mentees, instance.mentors, options, instance.pair_scores)
    greedy = greedy_match(instance.mentees, instance.mentors, options, instance.pair_scores)
    assert ours.matched_slots >= greedy.matched_slots
    if ours.matched_slots == greedy.matched_slots:
        assert ours.total_score >= greedy.total_score - 1e-6


@settings(max_examples=60, deadline=None)
@given(instances())
def test_score_first_never_scores_less_than_greedy(case):
    instance, _ = case
    options = MatchSettings(objective="score_first")
    ours = match(instance.mentees, instance.mentors, options, instance.pair_scores)
    greedy = greedy_match(instance.mentees, instance.mentors, options, instance.pair_scores)
    assert ours.total_score >= greedy.total_score - 1e-6


def _measure(case: Case, objective: str, result) -> tuple:
    """What the objective maximises, as a tuple compared lexicographically (larger is better).

    The solve's value is total score minus the load-balancing cost; pinned pairs are the same
    in every answer, so only the chosen pairs count.
    """
    chosen = [(p.mentee_id, p.mentor_id) for p in result.pairs if not p.pinned]
    assert set(chosen) <= set(case.allowed())  # winning with a pair not allowed is no win
    value = sum(case.scores[p] for p in chosen) - reference.load_cost(case, chosen)
    worst = min((case.scores[p] for p in chosen), default=1.0)
    if objective == "participation_first":
        return (len(chosen), round(value, 6))
    if objective == "score_first":
        return (round(value, 6),)
    if objective == "fairness":
        return (len(chosen), round(worst, 6), round(value, 6))
    return (-len(reference.blocking_pairs(case, chosen)),)  # stable: no blocking pair


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(OBJECTIVES), st.data())
def test_the_engine_never_loses_to_greedy_on_the_objective_it_reports_optimal(objective, data):
    case = data.draw(
        cases(rankings=objective == "stable", load_balance=objective != "stable"), label="case"
    )
    inputs = engine_inputs(case, objective)
    ours = match(*inputs)
    greedy = greedy_match(*inputs)
    assert ours.report.certified_optimal
    ours_measure, greedy_measure = (
        _measure(case, objective, ours),
        _measure(case, objective, greedy),
    )
    assert ours_measure >= greedy_measure, (ours_measure, greedy_measure)
