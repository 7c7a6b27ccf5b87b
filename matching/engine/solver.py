"""Exact solves on pruned candidate edges, certified against all pairs.

Each objective solves on the candidate edges, then asks the certificates in ``flow`` whether
a pruned pair could improve the answer; pairs that could are added and the solve repeats.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from matching.engine.candidates import Candidates, scan_prefixes, sorted_member
from matching.engine.features import EncodedCohort
from matching.engine.flow import (
    COST_TOLERANCE,
    SCALE,
    FlowNetwork,
    build_network,
    max_flow_value,
    potentials,
    residual_graph,
    score_to_cost,
    solve_min_cost,
)

# When a round finds violations, every pruned pair whose reduced cost is below this margin
# (0.02 score points) joins the candidates too: such pairs tend to violate after the re-solve,
# and adding them up front saves rounds (each one a full min-cost solve).
NEAR_MARGIN = SCALE // 50  # pragma: no mutate


@dataclass
class Problem:
    enc: EncodedCohort
    candidates: Candidates
    demand: np.ndarray  # slots still open after pinned pairs
    capacity: np.ndarray  # seats still open after pinned pairs
    blocked_keys: np.ndarray  # sorted keys of pairs that must not be added (pinned ones)
    load_balance_penalty: float
    max_rounds: int
    seats_taken: np.ndarray | None = None  # per mentor: seats pinned pairs already hold
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tick(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - started
        return now


@dataclass
class Solution:
    rows: np.ndarray
    columns: np.ndarray
    scores: np.ndarray
    certified: bool
    gap: float  # score points the full optimum may exceed this solution by
    coverage_gap: int  # slots the full optimum may cover beyond this solution
    rounds: int
    max_coverage: int | None


def _not_yet_candidates(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    n_mentors = problem.enc.n_mentors
    keys = rows * n_mentors + columns
    fresh = ~problem.candidates.contains(keys, n_mentors)
    if len(problem.blocked_keys):
        fresh &= ~sorted_member(problem.blocked_keys, keys)
    return fresh


def _network(problem: Problem, threshold: float, bypass: bool) -> tuple[FlowNetwork, np.ndarray]:
    candidates = problem.candidates
    chosen = np.nonzero(candidates.scores >= threshold)[0]
    network = build_network(
        problem.enc.n_mentees,
        problem.enc.n_mentors,
        problem.demand,
        problem.capacity,
        candidates.rows[chosen],
        candidates.columns[chosen],
        score_to_cost(candidates.scores[chosen]),
        load_balance_penalty=problem.load_balance_penalty,
        seats_taken=problem.seats_taken,
        bypass=bypass,
    )
    return network, chosen


def _pruned_rows(problem: Problem, threshold: float) -> np.ndarray:
    bound = problem.candidates.pruned_bound
    return (bound >= 0) & (bound >= threshold)


def _coverage_violations(
    problem: Problem, network: FlowNetwork, reached: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pruned pairs leaving the source side of the minimum cut."""
    enc = problem.enc
    mentee_reached = reached[1 : 1 + enc.n_mentees]
    mentor_reached = reached[1 + enc.n_mentees : 1 + enc.n_mentees + enc.n_mentors]
    rows = np.nonzero(_pruned_rows(problem, threshold) & mentee_reached)[0]
    if not len(rows) or mentor_reached.all():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    unreached = np.nonzero(~mentor_reached)[0]
    counts = np.full(len(rows), len(unreached), dtype=np.int64)
    # One crossing pair per row already breaks the cut; a few best ones keep memory bounded.
    witnesses = int(problem.demand.max(initial=1)) + 2
    r, c, s = scan_prefixes(
        enc, rows, counts, unreached, min_score=max(threshold, 0.0), keep_per_row=witnesses
    )
    fresh = _not_yet_candidates(problem, r, c)
    return r[fresh], c[fresh], s[fresh]


def _score_violations(
    problem: Problem, distance: np.ndarray, threshold: float
) -> tuple[
    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray, np.ndarray],
]:
    """Pruned pairs whose reduced cost is negative (the only ones that could improve), and
    those below NEAR_MARGIN: (rows, columns, scores, reduced costs) and (rows, columns, scores).
    """
    enc = problem.enc
    n_mentees = enc.n_mentees
    mentee_distance = distance[1 : 1 + n_mentees]
    mentor_distance = distance[1 + n_mentees : 1 + n_mentees + enc.n_mentors]
    bound_cost = -score_to_cost(np.maximum(problem.candidates.pruned_bound, 0.0))
    # A pruned pair scores at most its row's bound, so only mentors whose potential exceeds
    # (mentee potential - bound - margin) can give a reduced cost below the margin: check
    # just those pairs. (Potentials are costs: a score s costs -s * SCALE.)
    mentor_order = np.argsort(-mentor_distance, kind="stable")
    descending = mentor_distance[mentor_order]
    margin = max(NEAR_MARGIN, -COST_TOLERANCE)
    limit = mentee_distance - bound_cost - margin
    counts = np.searchsorted(-descending, -limit, side="left")
    counts[~_pruned_rows(problem, threshold)] = 0
    rows = np.nonzero(counts)[0]
    empty = np.zeros(0, dtype=np.int64)
    if not len(rows):
        return (empty, empty, np.zeros(0, dtype=np.float32), empty), (empty, empty, empty)

    def near(block_rows: np.ndarray, columns: np.ndarray, scores: np.ndarray) -> np.ndarray:
        # reduced < margin in floating point with some slack (cheaper than integer costs
        # for the whole block); the exact integer test follows on the pairs kept.
        row_limit = (distance[1 + block_rows] - margin) / SCALE - 1e-5
        column_shift = distance[1 + n_mentees + columns] / SCALE
        kept: np.ndarray = scores + column_shift[None, :] > row_limit[:, None]
        return kept

    r, c, s = scan_prefixes(
        enc, rows, counts[rows], mentor_order, min_score=max(threshold, 0.0), select=near
    )
    reduced = score_to_cost(s) + distance[1 + r] - distance[1 + n_mentees + c]
    near_enough = reduced < margin
    r, c, s, reduced = r[near_enough], c[near_enough], s[near_enough], reduced[near_enough]
    fresh = _not_yet_candidates(problem, r, c)
    r, c, s, reduced = r[fresh], c[fresh], s[fresh], reduced[fresh]
    violating = reduced < -COST_TOLERANCE
    return (r[violating], c[violating], s[violating], reduced[violating]), (r, c, s)


def _per_mentee_bound(rows: np.ndarray, amounts: np.ndarray, demand: np.ndarray) -> float:
    """Sum over mentees of their largest ``demand`` amounts: each mentee's flow is limited."""
    if not len(rows):
        return 0.0
    order = np.lexsort((-amounts, rows))
    rows, amounts = rows[order], amounts[order]
    first = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - first
    return float(amounts[rank < demand[rows]].sum())


def _extract(problem: Problem, network: FlowNetwork, chosen: np.ndarray) -> tuple[np.ndarray, ...]:
    used = network.pair_flows() > 0
    edges = chosen[used]
    candidates = problem.candidates
    return candidates.rows[edges], candidates.columns[edges], candidates.scores[edges]


def _certify_coverage(problem: Problem, threshold: float) -> tuple[int, int, int]:
    """Maximum flow on candidate edges, grown until its minimum cut proves it maximal on all
    pairs: (flow, coverage gap, rounds). A max-flow round costs a fraction of a min-cost one,
    and a certified flow value stays the maximum however many edges are added later.
    """
    rounds = 0
    while True:
        rounds += 1
        started = time.perf_counter()
        network, _ = _network(problem, threshold, bypass=False)  # pragma: no mutate
        flow, source_side = max_flow_value(network)
        started = problem.tick("solve", started)
        r, c, s = _coverage_violations(problem, network, source_side, threshold)
        problem.tick("certify", started)
        if not len(r):
            return flow, 0, rounds
        coverage_gap = int(_per_mentee_bound(r, np.ones(len(r)), problem.demand))
        if rounds > problem.max_rounds:
            return flow, coverage_gap, rounds
        problem.candidates.add(r, c, s, problem.enc.n_mentors)


def solve_certified(
    problem: Problem,
    *,
    coverage_first: bool,
    threshold: float = 0.0,
    known_max_coverage: int | None = None,
) -> Solution:
    """Maximum coverage then maximum score (or maximum score alone), proven on all pairs."""
    rounds = 0
    gap, coverage_gap, certified = math.inf, 0, False
    if coverage_first and known_max_coverage is None and _pruned_rows(problem, threshold).any():
        _, coverage_gap, rounds = _certify_coverage(problem, threshold)
    while True:
        rounds += 1
        started = time.perf_counter()
        network, chosen = _network(problem, threshold, bypass=not coverage_first)
        solve_min_cost(network, max_flow_first=coverage_first)
        started = problem.tick("solve", started)
        flow = int(network.pair_flows().sum())
        if coverage_gap:  # coverage not proven within the round limit: no score certificate
            break
        if not _pruned_rows(problem, threshold).any():
            certified, gap = True, 0.0
            break
        distance = potentials(network, residual_graph(network))
        (r, _, _, reduced), near = _score_violations(problem, distance, threshold)
        started = problem.tick("certify", started)
        if not len(r):
            certified, gap = True, 0.0
            break
        gap = _per_mentee_bound(r, -reduced.astype(np.float64), problem.demand) / SCALE
        if rounds > problem.max_rounds:
            break
        # Pairs that nearly violate tend to violate after the re-solve: add them now too.
        problem.candidates.add(*near, problem.enc.n_mentors)
    rows, columns, scores = _extract(problem, network, chosen)
    return Solution(
        rows=rows,
        columns=columns,
        scores=scores,
        certified=certified,
        gap=gap,
        coverage_gap=coverage_gap,
        rounds=rounds,
        max_coverage=flow + coverage_gap if coverage_first else None,
    )


def solve_fairness(problem: Problem, min_score: float = 0.0) -> Solution:
    """Best worst-pair score at maximum coverage, then the best total among those.

    Every step, the coverage target included, stays at or above ``min_score``: pairs below it
    are not allowed, so they must neither raise the coverage to reach nor fill a slot.
    """
    coverage = solve_certified(problem, coverage_first=True, threshold=min_score)
    target = len(coverage.rows)
    if not target:
        return coverage
    rounds = coverage.rounds
    while True:
        rounds += 1
        started = time.perf_counter()
        network, chosen = _network(problem, min_score, bypass=False)  # pragma: no mutate
        pair_scores = problem.candidates.scores[chosen]
        values = np.unique(pair_scores)
        non_pair = np.ones(len(network.tails) - network.n_pair_arcs, dtype=bool)

        def reaches_target(
            index: int,
            network: FlowNetwork = network,
            pair_scores: np.ndarray = pair_scores,
            values: np.ndarray = values,
            non_pair: np.ndarray = non_pair,
        ) -> bool:
            mask = np.concatenate([pair_scores >= values[index], non_pair])
            return max_flow_value(network, mask)[0] >= target

        low, high = 0, len(values) - 1
        while low < high:  # largest index whose threshold still covers every slot
            middle = (low + high + 1) // 2
            if reaches_target(middle):
                low = middle
            else:
                high = middle - 1
        bottleneck = float(values[low])
        started = problem.tick("solve", started)
        # Certify that no higher threshold works on all pairs: the min cut of the flow that
        # uses only pairs strictly above the bottleneck must not be crossed by a pruned pair.
        above = float(np.nextafter(np.float32(bottleneck), np.float32(2.0)))
        mask = np.concatenate([pair_scores >= above, non_pair])
        _, source_side = max_flow_value(network, mask)
        r, c, s = _coverage_violations(problem, network, source_side, above)
        problem.tick("certify", started)
        if not len(r) or rounds > problem.max_rounds:
            if len(r):
                problem.notes.append("fairness bottleneck not certified within the round limit")
            break
        problem.candidates.add(r, c, s, problem.enc.n_mentors)
    best = solve_certified(
        problem, coverage_first=True, threshold=bottleneck, known_max_coverage=target
    )
    best.rounds += rounds
    best.max_coverage = coverage.max_coverage
    best.certified = best.certified and coverage.certified and not len(r)
    return best
