"""The certified solves on cohorts of two or three people a side, with the candidate edges
chosen by the test: which pairs the solve starts from and which are pruned is set here, so
each certificate has a known pair to find (or, with no rounds left, a known gap to report).

Mentees are e0, e1, ... (rows), mentors m0, m1, ... (columns); scores are the explicit pair
scores, and every expected answer is worked out in the test's comment.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, match
from matching.engine.candidates import Candidates
from matching.engine.features import EXCLUSION_NAMES, encode
from matching.engine.solver import (
    Problem,
    Solution,
    _score_violations,
    solve_certified,
    solve_fairness,
)

A, B, C = 0, 1, 2
X, Y, Z = 0, 1, 2


def _problem(
    scores: dict[tuple[int, int], float],
    kept: set[tuple[int, int]],
    *,
    demand: tuple[int, ...],
    capacity: tuple[int, ...],
    max_rounds: int = 8,
    blocked: tuple[tuple[int, int], ...] = (),
    load_balance_penalty: float = 0.0,
) -> Problem:
    """A problem whose candidate edges are ``kept``; every other scored pair is pruned, and
    each mentee's pruning bound is its best pruned score (-1 when nothing was pruned)."""
    n_mentors = len(capacity)
    mentees = [Mentee(id=f"e{i}", mentors_wanted=d) for i, d in enumerate(demand)]
    mentors = [Mentor(id=f"m{j}", capacity=c) for j, c in enumerate(capacity)]
    pair_scores = [PairScore(f"e{i}", f"m{j}", s) for (i, j), s in scores.items()]
    enc = encode(mentees, mentors, MatchSettings(), pair_scores)
    edges = sorted(kept, key=lambda p: p[0] * n_mentors + p[1])
    bound = np.full(len(demand), -1.0, dtype=np.float32)
    for (i, j), score in scores.items():
        if (i, j) not in kept:
            bound[i] = max(bound[i], score)
    feasible = np.bincount([i for i, _ in scores], minlength=len(demand))
    candidates = Candidates(
        rows=np.array([i for i, _ in edges], dtype=np.int64),
        columns=np.array([j for _, j in edges], dtype=np.int64),
        scores=np.array([scores[p] for p in edges], dtype=np.float32),
        pruned_bound=bound,
        feasible_count=feasible.astype(np.int64),
        exclusion_counts=np.zeros((len(demand), len(EXCLUSION_NAMES)), dtype=np.int32),
    )
    candidates.sort(n_mentors)
    return Problem(
        enc=enc,
        candidates=candidates,
        demand=np.array(demand, dtype=np.int64),
        capacity=np.array(capacity, dtype=np.int64),
        blocked_keys=np.array(sorted(i * n_mentors + j for i, j in blocked), dtype=np.int64),
        load_balance_penalty=load_balance_penalty,
        max_rounds=max_rounds,
    )


def _pairs(solution: Solution) -> set[tuple[int, int]]:
    return set(zip(solution.rows.tolist(), solution.columns.tolist(), strict=True))


def _total(solution: Solution) -> float:
    return float(solution.scores.astype(np.float64).sum())


# a-x 0.9, a-y 0.6, b-x 0.8, one seat each. Each mentee's best pair is on x, so the candidates
# hold a-x and b-x: one slot. Both are covered only by a-y and b-x.
COVER = {(A, X): 0.9, (A, Y): 0.6, (B, X): 0.8}
COVER_KEPT = {(A, X), (B, X)}


def test_the_coverage_certificate_finds_the_pruned_pair_that_covers_one_more_mentee():
    problem = _problem(COVER, COVER_KEPT, demand=(1, 1), capacity=(1, 1))
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert _total(solution) == pytest.approx(1.4)
    assert solution.certified
    assert (solution.gap, solution.coverage_gap, solution.max_coverage) == (0.0, 0, 2)


def test_without_rounds_left_the_coverage_gap_counts_the_slot_the_cut_misses():
    """On a-x and b-x alone one slot is covered, at a-x (0.9). The cut is crossed by a-y: one
    slot may be missing, so the maximum coverage is at most 2 and nothing is certified."""
    problem = _problem(COVER, COVER_KEPT, demand=(1, 1), capacity=(1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == {(A, X)}
    assert not solution.certified
    assert solution.coverage_gap == 1
    assert solution.max_coverage == 2
    assert math.isinf(solution.gap)


def test_score_first_ignores_coverage_and_needs_no_coverage_certificate():
    """The best total is a-y + b-x (1.4), above a-x alone (0.9). Without the coverage
    certificate, the score certificate has to find a-y: with a on x and b left out, moving a
    to y and b onto x gains 0.6 - 0.9 + 0.8 = 0.5."""
    problem = _problem(COVER, COVER_KEPT, demand=(1, 1), capacity=(1, 1))
    solution = solve_certified(problem, coverage_first=False)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.certified
    assert solution.max_coverage is None


# One mentee, two mentors: x (0.5) is a candidate, y (0.9) was pruned.
BETTER = {(A, X): 0.5, (A, Y): 0.9}


@pytest.mark.parametrize("coverage_first", [True, False])
def test_the_score_certificate_swaps_in_a_better_pruned_pair(coverage_first):
    problem = _problem(BETTER, {(A, X)}, demand=(1,), capacity=(1, 1))
    solution = solve_certified(problem, coverage_first=coverage_first)
    assert _pairs(solution) == {(A, Y)}
    assert solution.certified
    assert solution.gap == 0.0


@pytest.mark.parametrize("coverage_first", [True, False])
def test_without_rounds_left_the_gap_is_what_the_pruned_pair_would_add(coverage_first):
    """a-x is used. Leaving x frees 0.5, taking y gains 0.9: the reduced cost of a-y is
    -0.4, and the gap reports exactly that (the bound is tight on one mentee)."""
    problem = _problem(BETTER, {(A, X)}, demand=(1,), capacity=(1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=coverage_first)
    assert _pairs(solution) == {(A, X)}
    assert not solution.certified
    assert solution.gap == pytest.approx(0.4, abs=1e-6)


def test_the_gap_counts_no_more_pruned_pairs_per_mentee_than_it_wants():
    """a wants one mentor and holds x (0.1); y (0.9) and z (0.8) were pruned, with reduced
    costs -0.8 and -0.7. a can take only one of them: the gap is 0.8, not 1.5."""
    scores = {(A, X): 0.1, (A, Y): 0.9, (A, Z): 0.8}
    problem = _problem(scores, {(A, X)}, demand=(1,), capacity=(1, 1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=False)
    assert not solution.certified
    assert solution.gap == pytest.approx(0.8, abs=1e-6)


def test_the_gap_sums_the_best_pruned_pairs_of_a_mentee_up_to_what_it_wants():
    """a wants two, holds x (0.1) and has a slot open: nothing is given up to take y or z,
    so their reduced costs are -0.9 and -0.8 and both count: 1.7. Another mentee b (holding
    its only pair) adds nothing."""
    scores = {(A, X): 0.1, (A, Y): 0.9, (A, Z): 0.8, (B, X): 0.3}
    problem = _problem(scores, {(A, X), (B, X)}, demand=(2, 1), capacity=(2, 1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=False)
    assert not solution.certified
    assert solution.gap == pytest.approx(1.7, abs=1e-6)


def test_an_improvement_just_above_the_tolerance_is_found():
    """Pairs differ by three millionths, more than the two the certificate tolerates as
    float32 noise: the pruned better pair must still be found."""
    scores = {(A, X): 0.5, (A, Y): 0.500003}
    problem = _problem(scores, {(A, X)}, demand=(1,), capacity=(1, 1))
    solution = solve_certified(problem, coverage_first=False)
    assert _pairs(solution) == {(A, Y)}


def test_a_pinned_pair_is_never_added_back_by_a_certificate():
    """a wants two and a-y is pinned, so a has one slot left; y has two seats, one left. a-y's
    key is blocked: the score certificate would otherwise add a-y (0.9) a second time."""
    scores = {(A, X): 0.3, (A, Y): 0.9}
    problem = _problem(scores, {(A, X)}, demand=(1,), capacity=(1, 1), blocked=((A, Y),))
    solution = solve_certified(problem, coverage_first=False)
    assert _pairs(solution) == {(A, X)}
    assert solution.certified


def test_a_threshold_keeps_pairs_below_it_out_of_the_solve_and_the_certificates():
    """With a threshold of 0.5, a-y (0.6) and b-x (0.8) cover both mentees (1.4). b-z (0.49)
    is below it: without the threshold a-x + b-z (1.44) would win."""
    scores = {(A, X): 0.95, (A, Y): 0.6, (A, Z): 0.4, (B, X): 0.8, (B, Z): 0.49}
    problem = _problem(scores, {(A, X), (B, X)}, demand=(1, 1), capacity=(1, 1, 1))
    solution = solve_certified(problem, coverage_first=True, threshold=0.5)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.certified


# a-x 0.9, a-y 0.5, b-x 0.6, b-y 0.2. Covering both: a-x + b-y (worst 0.2, total 1.1) or
# a-y + b-x (worst 0.5, total 1.1). Fairness takes the second. Candidates: each mentee's
# best (a-x, b-x); a-y and b-y are pruned.
FAIR = {(A, X): 0.9, (A, Y): 0.5, (B, X): 0.6, (B, Y): 0.2}


@pytest.mark.parametrize("kept", [{(A, X), (B, X)}, set(FAIR)])
def test_fairness_raises_the_worst_pair_at_full_coverage(kept):
    problem = _problem(FAIR, kept, demand=(1, 1), capacity=(1, 1))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.certified
    assert solution.max_coverage == 2


def test_fairness_finds_a_pruned_pair_that_lifts_the_bottleneck():
    """On the candidates a-x 0.9, b-y 0.8, c-x 0.3, c-z 0.1 the only full coverage is a-x,
    b-y, c-z: worst pair 0.1. The pruned a-z (0.7) lets c take x: a-z, b-y, c-x has worst
    0.3, with the same total (1.8): found by the certificates, whichever gets there first."""
    scores = {(A, X): 0.9, (A, Z): 0.7, (B, Y): 0.8, (C, X): 0.3, (C, Z): 0.1}
    kept = {(A, X), (B, Y), (C, X), (C, Z)}
    problem = _problem(scores, kept, demand=(1, 1, 1), capacity=(1, 1, 1))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, Z), (B, Y), (C, X)}
    assert solution.certified


def test_fairness_keeps_the_best_bottleneck_even_when_load_balancing_prefers_a_worse_one():
    """a-x 0.9, b-x 0.9, b-y 0.88; x has two seats and its second costs 0.05. a-x + b-y is
    worth more after the penalty (1.78 against 1.75) but its worst pair is 0.88: fairness
    keeps a-x + b-x, whose worst pair is the best there is, 0.9 (the highest score)."""
    scores = {(A, X): 0.9, (B, X): 0.9, (B, Y): 0.88}
    problem = _problem(
        scores, set(scores), demand=(1, 1), capacity=(2, 1), load_balance_penalty=0.05
    )
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, X), (B, X)}


def test_fairness_without_rounds_left_is_not_certified_and_says_so():
    scores = {(A, X): 0.9, (A, Z): 0.7, (B, Y): 0.8, (C, X): 0.3, (C, Z): 0.1}
    kept = {(A, X), (B, Y), (C, X), (C, Z)}
    problem = _problem(scores, kept, demand=(1, 1, 1), capacity=(1, 1, 1), max_rounds=0)
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, X), (B, Y), (C, Z)}
    assert not solution.certified
    assert problem.notes == ["fairness bottleneck not certified within the round limit"]


def test_fairness_with_nothing_to_match_returns_the_empty_coverage_solve():
    problem = _problem({(A, X): 0.2}, {(A, X)}, demand=(1,), capacity=(0,))
    solution = solve_fairness(problem)
    assert _pairs(solution) == set()
    assert solution.certified


def test_fairness_keeps_to_the_minimum_score():
    """With a minimum of 0.55 only a-x (0.9) and b-x (0.6) are allowed, and x has one seat:
    the best worst pair of one covered slot is a-x."""
    problem = _problem(FAIR, set(FAIR), demand=(1, 1), capacity=(1, 1))
    solution = solve_fairness(problem, min_score=0.55)
    assert _pairs(solution) == {(A, X)}


def test_the_solve_reports_its_time_in_solve_and_certify_phases():
    problem = _problem(COVER, COVER_KEPT, demand=(1, 1), capacity=(1, 1))
    solve_certified(problem, coverage_first=True)
    assert set(problem.timings) == {"solve", "certify"}
    assert all(0.0 <= seconds < 60.0 for seconds in problem.timings.values())


def test_the_public_match_reports_the_same_phases():
    mentees = [Mentee(id="a"), Mentee(id="b")]
    mentors = [Mentor(id="x"), Mentor(id="y")]
    scores = [PairScore("a", "x", 0.9), PairScore("a", "y", 0.6), PairScore("b", "x", 0.8)]
    result = match(mentees, mentors, MatchSettings(candidate_limit=1), scores)
    assert {(p.mentee_id, p.mentor_id) for p in result.pairs} == {("a", "y"), ("b", "x")}
    timings = dict(result.report.timings)
    assert 0.0 <= timings["solve.solve"] < 60.0
    assert 0.0 <= timings["solve.certify"] < 60.0


def test_one_round_is_enough_when_the_limit_is_one_round():
    """Coverage: the first max-flow round finds a-y and adds it, the second proves the cover;
    then one min-cost round, which the score certificate passes. Three rounds in all, each
    within a limit of one extra round."""
    problem = _problem(COVER, COVER_KEPT, demand=(1, 1), capacity=(1, 1), max_rounds=1)
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.certified
    assert solution.rounds == 3


def test_the_certificates_read_the_potentials_of_the_mentee_they_check():
    """The mirror of COVER with the pruned pair on the second mentee: b-x 0.9, b-y 0.6 pruned,
    a-x 0.8. Coverage needs a-x and b-y; once added, b-y is a candidate like any other."""
    scores = {(A, X): 0.8, (B, X): 0.9, (B, Y): 0.6}
    problem = _problem(scores, {(A, X), (B, X)}, demand=(1, 1), capacity=(1, 1))
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == {(A, X), (B, Y)}
    assert solution.certified
    assert solution.rounds == 3


@pytest.mark.parametrize("max_rounds", [0, 8])
def test_a_better_pruned_pair_of_a_later_mentee_is_found_or_bounded(max_rounds):
    """a holds z (0.7, its only pair); b holds x (0.5) and y (0.9) was pruned. Moving b to y
    gains 0.4: found with rounds to spare, reported as the gap without."""
    scores = {(A, Z): 0.7, (B, X): 0.5, (B, Y): 0.9}
    problem = _problem(
        scores, {(A, Z), (B, X)}, demand=(1, 1), capacity=(1, 1, 1), max_rounds=max_rounds
    )
    solution = solve_certified(problem, coverage_first=False)
    if max_rounds:
        assert _pairs(solution) == {(A, Z), (B, Y)}
        assert (solution.certified, solution.gap) == (True, 0.0)
    else:
        assert _pairs(solution) == {(A, Z), (B, X)}
        assert not solution.certified
        assert solution.gap == pytest.approx(0.4, abs=1e-6)


@pytest.mark.parametrize("coverage_first", [True, False])
def test_a_pruned_pair_that_cannot_improve_is_certified_in_one_round(coverage_first):
    """a wants one mentor and holds y (0.9); z (0.2) was pruned and x is not allowed. No pair
    can be added: the first solve is certified, and x never enters."""
    scores = {(A, Y): 0.9, (A, Z): 0.2}
    problem = _problem(scores, {(A, Y)}, demand=(1,), capacity=(1, 1, 1))
    solution = solve_certified(problem, coverage_first=coverage_first)
    assert _pairs(solution) == {(A, Y)}
    assert solution.certified
    assert solution.rounds == (2 if coverage_first else 1)


# a-x 0.9, a-y 0.2, b-x 0.5 are candidates; b-z 0.45 was pruned. Covering both on the
# candidates takes a-y + b-x (0.7). Moving b to z (-0.05) frees x for a (+0.7): a-x + b-z,
# 1.35. The certificate has to see through b's potential, which a's claim on x lowers.
CHAIN = {(A, X): 0.9, (A, Y): 0.2, (B, X): 0.5, (B, Z): 0.45}
CHAIN_KEPT = {(A, X), (A, Y), (B, X)}


@pytest.mark.parametrize("coverage_first", [True, False])
def test_a_pruned_pair_that_frees_a_mentor_for_someone_else_is_found(coverage_first):
    problem = _problem(CHAIN, CHAIN_KEPT, demand=(1, 1), capacity=(1, 1, 1))
    solution = solve_certified(problem, coverage_first=coverage_first)
    assert _pairs(solution) == {(A, X), (B, Z)}
    assert solution.certified


def test_without_rounds_left_the_gap_of_a_chain_is_its_whole_gain():
    """From a-y + b-x, taking b-z and moving a to x gains 0.45 - 0.5 + 0.9 - 0.2 = 0.65."""
    problem = _problem(CHAIN, CHAIN_KEPT, demand=(1, 1), capacity=(1, 1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert not solution.certified
    assert solution.gap == pytest.approx(0.65, abs=1e-6)


def test_a_pinned_pair_of_a_later_mentee_is_never_added_back():
    """As above with the pin on the second mentee: b-y is pinned and blocked."""
    scores = {(A, Z): 0.7, (B, X): 0.3, (B, Y): 0.9}
    problem = _problem(
        scores, {(A, Z), (B, X)}, demand=(1, 1), capacity=(1, 1, 1), blocked=((B, Y),)
    )
    solution = solve_certified(problem, coverage_first=False)
    assert _pairs(solution) == {(A, Z), (B, X)}
    assert solution.certified


@pytest.mark.parametrize(
    ("max_rounds", "pairs", "gap"), [(8, {(A, X), (B, Z)}, 0.0), (0, None, 0.6)]
)
def test_the_reduced_cost_is_read_at_the_checked_mentee_not_the_source(max_rounds, pairs, gap):
    """b holds y (0.2) and was pruned of z (0.8): +0.6. a holds x (0.5), which b would also
    take (0.9), so a's potential, and the source's with it, sit below b's: the check must
    use b's own. Covering both: a-x + b-y (0.7) on the candidates, a-x + b-z (1.3) on all."""
    scores = {(A, X): 0.5, (B, X): 0.9, (B, Y): 0.2, (B, Z): 0.8}
    problem = _problem(
        scores,
        {(A, X), (B, X), (B, Y)},
        demand=(1, 1),
        capacity=(1, 1, 1),
        max_rounds=max_rounds,
    )
    solution = solve_certified(problem, coverage_first=True)
    assert _pairs(solution) == (pairs or {(A, X), (B, Y)})
    assert solution.certified is (max_rounds > 0)
    assert solution.gap == pytest.approx(gap, abs=1e-6)


def test_the_gap_adds_up_the_mentees():
    """a holds x (0.5), y (0.9) pruned: 0.4 missing. b holds z (0.3), w (0.6) pruned: 0.3.
    The gap bounds what is missing from both, 0.7 (the potentials of two mentees sharing a
    sink need not make each mentee's bound tight, so it may say more, but never more than
    the two pruned scores, 1.5)."""
    W = 3
    scores = {(A, X): 0.5, (A, Y): 0.9, (B, Z): 0.3, (B, W): 0.6}
    problem = _problem(scores, {(A, X), (B, Z)}, demand=(1, 1), capacity=(1, 1, 1, 1), max_rounds=0)
    solution = solve_certified(problem, coverage_first=False)
    assert _pairs(solution) == {(A, X), (B, Z)}
    assert 0.7 - 1e-6 <= solution.gap <= 1.5


@pytest.mark.parametrize("coverage_first", [True, False])
def test_a_chain_that_would_lose_is_certified_without_another_round(coverage_first):
    """As CHAIN, but a gains less from x (0.6 instead of 0.9) and b-z scores 0.05: moving b
    to z (-0.45) and a to x (+0.4) loses 0.05, and a-x alone (0.6) is below a-y + b-x (0.7)
    too. The potentials must show it: no pair is added, and the first solve is certified."""
    scores = {(A, X): 0.6, (A, Y): 0.2, (B, X): 0.5, (B, Z): 0.05}
    problem = _problem(scores, CHAIN_KEPT, demand=(1, 1), capacity=(1, 1, 1))
    solution = solve_certified(problem, coverage_first=coverage_first)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.certified
    assert problem.candidates.edges == 3


def test_fairness_finds_a_pruned_pair_that_lowers_the_total():
    """As above with a-z at 0.4: a-z, b-y, c-x (worst 0.3) is 0.3 below a-x, b-y, c-z (worst
    0.1) in total, which the coverage solve keeps; fairness must still reach a-z. (The score
    certificate's potentials are not tight here and add a-z early, at the cost of a round;
    the bottleneck certificate would add it otherwise.)"""
    scores = {(A, X): 0.9, (A, Z): 0.4, (B, Y): 0.8, (C, X): 0.3, (C, Z): 0.1}
    kept = {(A, X), (B, Y), (C, X), (C, Z)}
    coverage = solve_certified(
        _problem(scores, kept, demand=(1, 1, 1), capacity=(1, 1, 1)), coverage_first=True
    )
    assert _pairs(coverage) == {(A, X), (B, Y), (C, Z)}
    problem = _problem(scores, kept, demand=(1, 1, 1), capacity=(1, 1, 1))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, Z), (B, Y), (C, X)}
    assert solution.certified


def test_fairness_keeps_full_coverage_when_one_pair_outscores_two():
    """a-x 0.95, a-y 0.3, b-x 0.3: covering both takes a-y + b-x (worst 0.3, total 0.6); a-x
    alone scores more (0.95) but leaves b out. Fairness works at maximum coverage."""
    scores = {(A, X): 0.95, (A, Y): 0.3, (B, X): 0.3}
    problem = _problem(scores, set(scores), demand=(1, 1), capacity=(1, 1))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, Y), (B, X)}
    assert solution.max_coverage == 2


def test_a_bottleneck_left_uncertified_makes_the_whole_answer_uncertified():
    """The same cohort with no rounds to spare: a-z is never added, the bottleneck stays at
    0.1 and the answer is reported uncertified, with the note."""
    scores = {(A, X): 0.9, (A, Z): 0.4, (B, Y): 0.8, (C, X): 0.3, (C, Z): 0.1}
    kept = {(A, X), (B, Y), (C, X), (C, Z)}
    problem = _problem(scores, kept, demand=(1, 1, 1), capacity=(1, 1, 1), max_rounds=0)
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, X), (B, Y), (C, Z)}
    assert not solution.certified
    assert problem.notes == ["fairness bottleneck not certified within the round limit"]


# Node potentials (cost units) of source, a, b, x, y, sink, chosen by hand: each case puts
# one node next to the checked ones far from them, so the prefilter of the score certificate
# drops the pruned pairs if it reads that node instead of the pair's own mentee and mentor.
@pytest.mark.parametrize(
    ("distance", "reduced"),
    [
        # a-y: -500 000 + 0 - 0; b-y likewise. b's neighbours, x (the next node) and the
        # source, sit 600 000 higher: read as b's potential, b-y looks 100 000 above 0.
        ([600_000, 0, 0, 600_000, 0, 0], (-500_000, -500_000)),
        # a-y: -500 000 + 0 - 0; b-y: -500 000 - 600 000 - 0. The sink, the source and b sit
        # 600 000 below y: read as y's potential, a-y looks 100 000 above 0.
        ([-600_000, 0, -600_000, 0, 0, -600_000], (-500_000, -1_100_000)),
        # a-y: -500 000 + 100 000 + 100 000 = -300 000; b-y: -500 000 + 390 000 + 100 000 =
        # -10 000, a violation above the near margin of -20 000. Potentials times SCALE
        # instead of over it (a's limit 8e10, y's shift -1e11) or the margin added instead
        # of taken off (b-y kept only below -20 000) lose one of them.
        ([0, 100_000, 390_000, 0, -100_000, 0], (-300_000, -10_000)),
    ],
)
def test_the_score_prefilter_reads_the_potentials_of_the_pair_it_checks(distance, reduced):
    """a and b hold x (0.1 each, candidates) and were pruned of y (0.5 each). The reduced
    cost of a pruned pair e-m is -score * SCALE + d(e) - d(m); both are below -2 cost units
    in every case, so both pairs are violations whatever the other nodes' potentials."""
    scores = {(A, X): 0.1, (A, Y): 0.5, (B, X): 0.1, (B, Y): 0.5}
    problem = _problem(scores, {(A, X), (B, X)}, demand=(1, 1), capacity=(2, 2))
    (r, c, s, found), _ = _score_violations(problem, np.array(distance, dtype=np.int64), 0.0)
    assert sorted(zip(r.tolist(), c.tolist(), found.tolist(), strict=True)) == [
        (A, Y, reduced[0]),
        (B, Y, reduced[1]),
    ]
    assert s.tolist() == [0.5, 0.5]


def test_fairness_with_nothing_pruned_takes_three_rounds():
    """a-x 0.7 is the only pair and a candidate: nothing is pruned, so the coverage solve
    needs one round and no certificate, the bisection one round (a single value, 0.7, and
    no pruned row to cross its cut), and the best total at that bottleneck one more."""
    problem = _problem({(A, X): 0.7}, {(A, X)}, demand=(1,), capacity=(1,))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, X)}
    assert solution.certified
    assert solution.rounds == 3
    assert problem.notes == []


def test_fairness_stays_uncertified_when_the_coverage_was_not_certified():
    """a holds y (0.9); b was pruned of x (0.3), and no round is left. The coverage solve
    finds b-x crossing its cut but cannot add it: coverage 1, gap 1, uncertified. The
    bottleneck (0.9) is certified on its own (no pruned pair scores above it), and so is
    the final solve at 0.9, but the answer as a whole is not: b may still be matched."""
    problem = _problem({(A, Y): 0.9, (B, X): 0.3}, {(A, Y)}, demand=(1, 1), capacity=(1, 1))
    problem.max_rounds = 0
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, Y)}
    assert (solution.coverage_gap, solution.max_coverage) == (0, 2)
    assert not solution.certified
    assert problem.notes == []


def test_only_the_bottleneck_certificate_can_bring_in_a_pair_at_full_coverage():
    """a-x 0.3 is the only candidate; a-y 0.4 and b-y 0.4 were pruned. The coverage
    certificate adds b-y (b is uncovered and y free): a-x + b-y covers both, worst 0.3. a-y
    cannot raise that total at full coverage (y is b's only mentor), but it does score above
    the bottleneck: on the pairs above 0.3 (b-y) a is left uncovered and a-y crosses the
    cut, so the bottleneck certificate adds it. Then no assignment of both at 0.4 exists (a-y
    and b-y share y's one seat), so 0.3 is certified: a-x + b-y, with no note."""
    scores = {(A, X): 0.3, (A, Y): 0.4, (B, Y): 0.4}
    problem = _problem(scores, {(A, X)}, demand=(1, 1), capacity=(1, 1))
    solution = solve_fairness(problem)
    assert _pairs(solution) == {(A, X), (B, Y)}
    assert solution.certified
    assert problem.notes == []
    assert problem.candidates.edges == 3
