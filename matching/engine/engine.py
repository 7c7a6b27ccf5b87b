"""The public entry points: ``match``, ``greedy_match`` and ``explain``."""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, TypeVar

import numpy as np

from matching.engine.baseline import by_id, greedy_assign, in_listed_order, stable_assign
from matching.engine.candidates import Candidates, build_candidates, rescore_rows
from matching.engine.explain import RULE_KEYS, explain_pairs, unmatched_reason
from matching.engine.features import (
    EXCLUSION_NAMES,
    EncodedCohort,
    check_pair_ids,
    encode,
    score_pairs,
)
from matching.engine.messages import phrase
from matching.engine.solver import Problem, Solution, solve_certified, solve_fairness
from matching.engine.types import (
    FactorContribution,
    MatchedPair,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    Objective,
    PairScore,
    ProgramKind,
    SolverReport,
    Unmatched,
)

P = ParamSpec("P")
R = TypeVar("R")


def _cyclic_gc_paused(function: Callable[P, R]) -> Callable[P, R]:
    """Run without the cyclic garbage collector.

    A result holds hundreds of thousands of small objects (pairs, factors, words); their
    allocation would trigger collections that each walk the whole cohort, which cost as much
    as building them. Nothing made here needs the cycle collector.
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


# Each additional mentee on the same mentor costs this many score points more than the
# previous one when load balancing is on.
LOAD_BALANCE_PENALTY = 0.05


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.started = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self.started
        self.started = now


def _effective_capacity(mentors: Sequence[Mentor], settings: MatchSettings) -> np.ndarray:
    capacity = np.array([max(0, m.capacity) for m in mentors], dtype=np.int64)
    if settings.program_kind == ProgramKind.GROUP:
        # A group mentor leads one group of up to group_size mentees; one with no capacity
        # (not taking anyone this round) leads none.
        return np.where(capacity > 0, max(settings.group_size, 0), 0).astype(np.int64)
    return capacity


def _pins(
    enc: EncodedCohort, settings: MatchSettings, demand: np.ndarray, capacity: np.ndarray
) -> tuple[list[tuple[int, int]], list[str]]:
    pinned: list[tuple[int, int]] = []
    warnings: list[str] = []
    for mentee_id, mentor_id in dict.fromkeys(settings.pinned_pairs):
        row, column = enc.mentee_index[mentee_id], enc.mentor_index[mentor_id]
        _, feasible, reason = score_pairs(enc, np.array([row]), np.array([column]))
        if not feasible[0]:
            warnings.append(
                f"pinned pair ({mentee_id}, {mentor_id}) kept although it breaks the "
                f"{EXCLUSION_NAMES[int(reason[0])]} rule"
            )
        if demand[row] <= 0:
            warnings.append(f"pinned pair ({mentee_id}, {mentor_id}) exceeds the mentee's demand")
        if capacity[column] <= 0:
            warnings.append(f"pinned pair ({mentee_id}, {mentor_id}) exceeds the mentor's capacity")
        demand[row] = max(demand[row] - 1, 0)
        capacity[column] = max(capacity[column] - 1, 0)
        pinned.append((row, column))
    return pinned, warnings


def _drop_pairs(candidates: Candidates, keys: np.ndarray, n_mentors: int) -> None:
    keep = ~np.isin(candidates.keys(n_mentors), keys)
    candidates.rows = candidates.rows[keep]
    candidates.columns = candidates.columns[keep]
    candidates.scores = candidates.scores[keep]
    candidates.sort(n_mentors)


def _add_stated_preferences(enc: EncodedCohort, candidates: Candidates) -> None:
    rows, columns = enc.preferences.nonzero()
    if not len(rows):
        return
    rows, columns = rows.astype(np.int64), columns.astype(np.int64)
    scores, feasible, _ = score_pairs(enc, rows, columns)
    feasible &= scores >= enc.settings.min_score
    candidates.add(rows[feasible], columns[feasible], scores[feasible], enc.n_mentors)


def _prepare(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    pair_scores: Sequence[PairScore] | None,
    clock: _Clock,
) -> tuple[Problem, list[tuple[int, int]], list[str]]:
    enc = encode(mentees, mentors, settings, pair_scores)
    check_pair_ids(enc)
    clock.lap("encode")
    candidates = build_candidates(
        enc,
        settings.candidate_limit,
        settings.min_score,
        mentor_limit=max(1, settings.candidate_limit // 5),
    )
    clock.lap("score")
    demand = enc.demand.copy()
    capacity = _effective_capacity(mentors, settings)
    pinned, warnings = _pins(enc, settings, demand, capacity)
    blocked = np.sort(np.array([r * enc.n_mentors + c for r, c in pinned], dtype=np.int64))
    if len(blocked):
        _drop_pairs(candidates, blocked, enc.n_mentors)
    problem = Problem(
        enc=enc,
        candidates=candidates,
        demand=demand,
        capacity=capacity,
        blocked_keys=blocked,
        load_balance_penalty=LOAD_BALANCE_PENALTY if settings.load_balance else 0.0,
        max_rounds=settings.max_certification_rounds,
        seats_taken=np.bincount(
            np.array([c for _, c in pinned], dtype=np.int64), minlength=enc.n_mentors
        ),
    )
    return problem, pinned, warnings


def _result(
    problem: Problem,
    solution: Solution,
    pinned: list[tuple[int, int]],
    warnings: list[str],
    clock: _Clock,
    objective: str,
) -> MatchResult:
    enc = problem.enc
    clock.lap("solve")
    rows = np.concatenate([np.array([p[0] for p in pinned], dtype=np.int64), solution.rows])
    columns = np.concatenate([np.array([p[1] for p in pinned], dtype=np.int64), solution.columns])
    explained = explain_pairs(enc, rows, columns)
    groups: dict[int, int] = {}
    if enc.settings.program_kind == ProgramKind.GROUP:
        groups = {int(c): k for k, c in enumerate(np.unique(columns))}
    pairs = tuple(
        MatchedPair(
            mentee_id=enc.mentees[r].id,
            mentor_id=enc.mentors[c].id,
            score=score,
            factors=factors,
            pinned=k < len(pinned),
            group=groups.get(c),
        )
        for k, (r, c, (score, factors)) in enumerate(
            zip(rows.tolist(), columns.tolist(), explained, strict=True)
        )
    )
    clock.lap("explain")
    matched = np.bincount(rows, minlength=enc.n_mentees)
    load = np.bincount(columns, minlength=enc.n_mentors)
    capacity = _effective_capacity(enc.mentors, enc.settings)
    short = np.nonzero(matched < enc.demand)[0]
    unmatched: list[Unmatched] = []
    if len(short):
        r, c, _ = rescore_rows(enc, short, min_score=enc.settings.min_score)
        own: dict[int, set[int]] = {}
        for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
            own.setdefault(i, set()).add(j)
        for i in short.tolist():
            feasible = c[r == i]
            reason = unmatched_reason(
                enc,
                i,
                problem.candidates.exclusion_counts[i],
                feasible,
                load,
                capacity,
                own.get(i, set()),
                enc.settings.min_score,
                objective,
            )
            unmatched.append(
                Unmatched(enc.mentees[i].id, int(enc.demand[i] - matched[i]), reason.text, reason)
            )
    clock.lap("unmatched")
    scores = np.array([p.score for p in pairs], dtype=np.float64)
    total = float(scores.sum())
    timings = {**clock.timings}
    for phase, seconds in problem.timings.items():
        timings[f"solve.{phase}"] = seconds
    relative = solution.gap / total if total > 0 and np.isfinite(solution.gap) else solution.gap
    report = SolverReport(
        objective=objective,
        certified_optimal=solution.certified,
        gap=float(solution.gap),
        relative_gap=float(relative) if total > 0 else float(solution.gap),
        coverage_gap=solution.coverage_gap,
        iterations=solution.rounds,
        candidate_edges=problem.candidates.edges,
        feasible_pairs=int(problem.candidates.feasible_count.sum()),
        max_coverage=(
            None if solution.max_coverage is None else solution.max_coverage + len(pinned)
        ),
        timings=tuple((phase, round(seconds, 4)) for phase, seconds in timings.items()),
        notes=tuple(problem.notes),
    )
    return MatchResult(
        pairs=pairs,
        unmatched=tuple(unmatched),
        total_score=total,
        matched_slots=len(pairs),
        demanded_slots=int(enc.demand.sum()),
        min_pair_score=float(scores.min()) if len(scores) else None,
        report=report,
        warnings=tuple(warnings),
        # Pinned pairs come first; fairness's bottleneck is about the rest.
        min_chosen_pair_score=float(scores[len(pinned) :].min())
        if len(scores) > len(pinned)
        else None,
    )


@_cyclic_gc_paused
def match(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings | None = None,
    pair_scores: Sequence[PairScore] | None = None,
) -> MatchResult:
    """Match mentees to mentors under the settings' hard rules and objective.

    With ``pair_scores`` the organization's own scores replace the attribute factors; pairs
    not listed are not allowed.
    """
    settings = settings or MatchSettings()
    if settings.program_kind == ProgramKind.ADVISORY_BOARD:
        from matching.engine.board import match_board

        return match_board(mentees, mentors, settings, pair_scores)
    listed = None
    if settings.objective == Objective.STABLE:
        # Stable matching breaks ties by id, so it solves in id order: the answer does not
        # depend on the order people are listed in. The result is put back in that order.
        listed = (mentees, mentors)
        mentees, mentors = by_id(mentees), by_id(mentors)
    clock = _Clock()
    problem, pinned, warnings = _prepare(mentees, mentors, settings, pair_scores, clock)
    objective = settings.objective
    if objective == Objective.PARTICIPATION_FIRST:
        solution = solve_certified(problem, coverage_first=True, threshold=settings.min_score)
    elif objective == Objective.SCORE_FIRST:
        solution = solve_certified(problem, coverage_first=False, threshold=settings.min_score)
    elif objective == Objective.FAIRNESS:
        solution = solve_fairness(problem, settings.min_score)
    else:
        _add_stated_preferences(problem.enc, problem.candidates)
        rows, columns, scores = stable_assign(
            problem.enc,
            problem.candidates,
            problem.demand,
            problem.capacity,
            settings.min_score,
            problem.blocked_keys,
            timings=problem.timings,
        )
        # Stable against every feasible pair, pruned or not: exact for this objective.
        solution = Solution(rows, columns, scores, True, 0.0, 0, 1, None)
    if settings.program_kind == ProgramKind.GROUP and settings.group_cohesion_weight > 0:
        from matching.engine.groups import improve_cohesion

        solution = improve_cohesion(problem, solution, settings.group_cohesion_weight)
    result = _result(problem, solution, pinned, warnings, clock, str(objective))
    return result if listed is None else in_listed_order(result, *listed)


@_cyclic_gc_paused
def greedy_match(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings | None = None,
    pair_scores: Sequence[PairScore] | None = None,
) -> MatchResult:
    """Baseline most tools use: repeatedly take the best remaining pair with room on both sides."""
    settings = settings or MatchSettings()
    clock = _Clock()
    problem, pinned, warnings = _prepare(mentees, mentors, settings, pair_scores, clock)
    rows, columns, scores = greedy_assign(
        problem.enc,
        problem.candidates,
        problem.demand,
        problem.capacity,
        settings.min_score,
        problem.blocked_keys,
    )
    solution = Solution(rows, columns, scores, False, float("nan"), 0, 1, None)
    return _result(problem, solution, pinned, warnings, clock, "greedy")


@_cyclic_gc_paused
def explain(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    pairs: Iterable[tuple[str, str]],
    settings: MatchSettings | None = None,
    pair_scores: Sequence[PairScore] | None = None,
) -> tuple[MatchedPair, ...]:
    """Score and explain any pairs of the cohort, for example an admin's manual override.

    A pair that breaks a hard rule is explained with score 0 and the rule it breaks.
    """
    settings = settings or MatchSettings()
    enc = encode(mentees, mentors, settings, pair_scores)
    wanted = list(pairs)
    for mentee_id, mentor_id in wanted:
        if mentee_id not in enc.mentee_index:
            raise ValueError(f"unknown mentee id {mentee_id!r}")
        if mentor_id not in enc.mentor_index:
            raise ValueError(f"unknown mentor id {mentor_id!r}")
    rows = np.array([enc.mentee_index[m] for m, _ in wanted], dtype=np.int64)
    columns = np.array([enc.mentor_index[m] for _, m in wanted], dtype=np.int64)
    _, feasible, reasons = score_pairs(enc, rows, columns)
    explained = explain_pairs(enc, rows, columns)
    out = []
    for k, (mentee_id, mentor_id) in enumerate(wanted):
        score, factors = explained[k]
        if not feasible[k]:
            said = phrase("rule.not_allowed", rule=RULE_KEYS[int(reasons[k])])
            factors = (FactorContribution("rule", 0.0, 0.0, said.text, said), *factors)
            score = 0.0
        out.append(
            MatchedPair(mentee_id=mentee_id, mentor_id=mentor_id, score=score, factors=factors)
        )
    return tuple(out)
