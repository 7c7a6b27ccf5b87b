"""The engine's answers equal independent exact answers: brute force, the Hungarian method
and networkx min-cost flow, on instances whose scores the tests draw themselves."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.engine import MatchSettings, match
from tests.matching.engine.instances import Instance, brute_force, random_instance, total

TOLERANCE = 1e-5


def _pairs(result) -> tuple[tuple[str, str], ...]:
    return tuple((p.mentee_id, p.mentor_id) for p in result.pairs)


def _solve(instance: Instance, **settings) -> tuple[tuple[str, str], ...]:
    result = match(
        instance.mentees, instance.mentors, MatchSettings(**settings), instance.pair_scores
    )
    return _pairs(result)


@pytest.mark.parametrize("seed", range(40))
def test_participation_first_covers_most_slots_then_scores_best_like_brute_force(seed):
    rng = random.Random(seed)
    instance = random_instance(rng, rng.randint(1, 4), rng.randint(1, 3), max_wanted=2)
    best = max(brute_force(instance), key=lambda m: (len(m), total(instance, m)))
    ours = _solve(instance)
    assert len(ours) == len(best)
    assert total(instance, ours) == pytest.approx(total(instance, best), abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(40))
def test_score_first_reaches_the_brute_force_maximum_total(seed):
    rng = random.Random(100 + seed)
    instance = random_instance(rng, rng.randint(1, 4), rng.randint(1, 3), max_wanted=2)
    best = max(total(instance, m) for m in brute_force(instance))
    ours = _solve(instance, objective="score_first")
    assert total(instance, ours) == pytest.approx(best, abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(30))
def test_score_first_with_minimum_score_uses_no_pair_below_it(seed):
    rng = random.Random(200 + seed)
    instance = random_instance(rng, rng.randint(1, 4), rng.randint(1, 3), max_wanted=2)
    allowed = [m for m in brute_force(instance) if all(instance.scores[p] >= 0.5 for p in m)]
    best = max(total(instance, m) for m in allowed)
    ours = _solve(instance, objective="score_first", min_score=0.5)
    assert all(instance.scores[p] >= 0.5 for p in ours)
    assert total(instance, ours) == pytest.approx(best, abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(40))
def test_fairness_maximises_the_worst_pair_at_full_coverage_like_brute_force(seed):
    rng = random.Random(300 + seed)
    instance = random_instance(rng, rng.randint(1, 4), rng.randint(1, 3), max_wanted=2)
    matchings = brute_force(instance)
    coverage = max(len(m) for m in matchings)
    full = [m for m in matchings if len(m) == coverage]

    def worst(m):
        return min((instance.scores[p] for p in m), default=1.0)

    best_worst = max(worst(m) for m in full)
    best_total = max(total(instance, m) for m in full if worst(m) == best_worst)
    ours = _solve(instance, objective="fairness")
    assert len(ours) == coverage
    assert worst(ours) == pytest.approx(best_worst, abs=TOLERANCE)
    assert total(instance, ours) == pytest.approx(best_total, abs=TOLERANCE)


def _hungarian(instance: Instance) -> tuple[int, float]:
    """Coverage first, then score, with scipy on a matrix with one column per mentor seat."""
    seats = [m.id for m in instance.mentors for _ in range(m.capacity)]
    matrix = np.zeros((len(instance.mentees), len(seats)))
    bonus = len(instance.mentees) + 1.0
    for i, mentee in enumerate(instance.mentees):
        for k, mentor in enumerate(seats):
            score = instance.scores.get((mentee.id, mentor))
            if score is not None:
                matrix[i, k] = bonus + score
    rows, columns = linear_sum_assignment(matrix, maximize=True)
    chosen = matrix[rows, columns]
    used = chosen > 0
    return int(used.sum()), float((chosen[used] - bonus).sum())


@pytest.mark.parametrize("seed", range(6))
def test_one_mentor_each_matches_the_hungarian_method_on_medium_instances(seed):
    rng = random.Random(400 + seed)
    instance = random_instance(rng, 120, 40, max_capacity=3, density=0.3)
    matched, best = _hungarian(instance)
    ours = _solve(instance)
    assert len(ours) == matched
    assert total(instance, ours) == pytest.approx(best, abs=1e-4)


@pytest.mark.parametrize("seed", range(4))
def test_several_mentors_each_match_networkx_max_flow_min_cost(seed):
    rng = random.Random(500 + seed)
    instance = random_instance(rng, 60, 25, max_wanted=3, max_capacity=4, density=0.3)
    graph = nx.DiGraph()
    for mentee in instance.mentees:
        graph.add_edge("source", mentee.id, capacity=mentee.mentors_wanted, weight=0)
    for mentor in instance.mentors:
        graph.add_edge(mentor.id, "sink", capacity=mentor.capacity, weight=0)
    for (mentee, mentor), score in instance.scores.items():
        graph.add_edge(mentee, mentor, capacity=1, weight=-round(score * 1_000_000))
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    reference_pairs = [(a, b) for (a, b) in instance.scores if flow[a][b] > 0]
    ours = _solve(instance)
    assert len(ours) == len(reference_pairs)
    ours_cost = sum(round(instance.scores[p] * 1_000_000) for p in ours)
    assert ours_cost == sum(round(instance.scores[p] * 1_000_000) for p in reference_pairs)


@pytest.mark.parametrize("seed", range(8))
def test_pruned_and_certified_solve_equals_the_unpruned_solve(seed):
    from tests.matching.engine.cohorts import attribute_cohort

    mentees, mentors = attribute_cohort(random.Random(600 + seed), 60, 15)
    for objective in ("participation_first", "score_first", "fairness"):
        full = match(mentees, mentors, MatchSettings(objective=objective, candidate_limit=1000))
        pruned = match(mentees, mentors, MatchSettings(objective=objective, candidate_limit=2))
        assert pruned.report.candidate_edges < full.report.candidate_edges  # pruning bites
        assert pruned.report.certified_optimal
        assert pruned.matched_slots == full.matched_slots
        assert pruned.total_score == pytest.approx(full.total_score, abs=1e-4)
        if objective == "fairness":
            assert pruned.min_pair_score == pytest.approx(full.min_pair_score, abs=1e-5)
