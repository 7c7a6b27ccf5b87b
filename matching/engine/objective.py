"""Like-with-like figures for a result and its greedy baseline: the objective the engine
optimised, measured the same way on both.

- one-to-one: the total pair score (and, for fairness, the worst chosen pair);
- group programs: the pair score, the goal cohesion the swaps between groups trade for
  (similarity of goals summed over every two members of a group, and its mean per two
  members), and their weighted sum, ``score + group_cohesion_weight * cohesion``;
- advisory boards: the seats filled, then ``score - DUPLICATE_PENALTY * repeats`` (a repeated
  country or function on one board). The baseline fills seats greedily by role
  (``greedy_board``), not one-to-one pairs, so both sides answer the same question.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from matching.engine.board import DUPLICATE_PENALTY, _duplicates, _seat_pins
from matching.engine.candidates import rescore_rows
from matching.engine.engine import greedy_match
from matching.engine.explain import explain_pairs
from matching.engine.features import check_pair_ids, encode
from matching.engine.types import (
    MatchedPair,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    ProgramKind,
    SolverReport,
)


def greedy_baseline(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    pair_scores: Sequence[PairScore] | None = None,
) -> MatchResult:
    """The greedy baseline of the same kind of program: board seats for advisory boards."""
    if settings.program_kind == ProgramKind.ADVISORY_BOARD:
        return greedy_board(mentees, mentors, settings, pair_scores)
    return greedy_match(mentees, mentors, settings, pair_scores)


def greedy_board(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    pair_scores: Sequence[PairScore] | None = None,
) -> MatchResult:
    """Best pair first into an open seat whose role the mentor offers, a mentor once per board
    and within capacity; pins are placed first, as the board solve places them."""
    enc = encode(mentees, mentors, settings, pair_scores)
    check_pair_ids(enc)
    rows, columns, scores = rescore_rows(enc, np.arange(enc.n_mentees), settings.min_score)
    seats = [
        (tuple(m.roles_wanted) or settings.board_roles or ("member",) * m.mentors_wanted)
        if m.mentors_wanted > 0
        else ()
        for m in mentees
    ]
    offers = [set(m.roles) or {"member"} for m in mentors]
    open_seats = [Counter(roles) for roles in seats]
    capacity = [max(m.capacity, 0) for m in mentors]
    pinned, warnings = _seat_pins(enc, settings.pinned_pairs, open_seats, seats, offers, capacity)
    members: dict[int, set[int]] = {}
    for i, j, _ in pinned:
        members.setdefault(i, set()).add(j)
    chosen: list[tuple[int, int, str | None]] = list(pinned)
    order = np.lexsort((columns, rows, -scores))
    for k in order.tolist():
        i, j = int(rows[k]), int(columns[k])
        if capacity[j] <= 0 or j in members.get(i, ()):
            continue
        role = next((r for r in seats[i] if open_seats[i][r] > 0 and r in offers[j]), None)
        if role is None:
            continue
        open_seats[i][role] -= 1
        capacity[j] -= 1
        members.setdefault(i, set()).add(j)
        chosen.append((i, j, role))
    explained = explain_pairs(
        enc,
        np.array([c[0] for c in chosen], dtype=np.int64),
        np.array([c[1] for c in chosen], dtype=np.int64),
    )
    pairs = tuple(
        MatchedPair(
            enc.mentees[i].id, enc.mentors[j].id, score, factors, pinned=k < len(pinned), role=role
        )
        for k, ((i, j, role), (score, factors)) in enumerate(zip(chosen, explained, strict=True))
    )
    report = SolverReport(
        objective="greedy",
        certified_optimal=False,
        gap=float("nan"),
        relative_gap=float("nan"),
        coverage_gap=0,
        iterations=1,
        candidate_edges=len(rows),
        feasible_pairs=len(rows),
        max_coverage=None,
        timings=(),
    )
    return MatchResult(
        pairs=pairs,
        unmatched=(),
        total_score=float(sum(p.score for p in pairs)),
        matched_slots=len(pairs),
        demanded_slots=sum(len(s) for s in seats),
        min_pair_score=min((p.score for p in pairs), default=None),
        report=report,
        warnings=tuple(warnings),
        min_chosen_pair_score=min((p.score for p in pairs if not p.pinned), default=None),
    )


def objective_figures(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    result: MatchResult,
) -> dict[str, float | int | str | None]:
    """The figures of `result` on the objective its program kind optimises (module docstring).

    ``objective`` is the one number to compare: higher is better (for boards, after
    ``matched``, which comes first)."""
    figures: dict[str, float | int | str | None] = {
        "kind": str(settings.program_kind),
        "pair_score": float(result.total_score),
        "matched": int(result.matched_slots),
        "worst_pair": result.min_chosen_pair_score,
        "objective": float(result.total_score),
    }
    if settings.program_kind == ProgramKind.GROUP:
        total, mean = _cohesion(mentees, mentors, settings, result)
        weight = float(settings.group_cohesion_weight)
        figures.update(
            cohesion=total,
            cohesion_mean=mean,
            cohesion_weight=weight,
            objective=float(result.total_score) + weight * total,
        )
    elif settings.program_kind == ProgramKind.ADVISORY_BOARD:
        mentor_at = {m.id: k for k, m in enumerate(mentors)}
        boards: dict[str, list[int]] = {}
        for pair in result.pairs:
            boards.setdefault(pair.mentee_id, []).append(mentor_at[pair.mentor_id])
        repeats = sum(_duplicates(members, mentors) for members in boards.values())
        figures.update(
            repeats=repeats,
            repeat_penalty=DUPLICATE_PENALTY,
            objective=float(result.total_score) - DUPLICATE_PENALTY * repeats,
        )
    return figures


def _cohesion(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    result: MatchResult,
) -> tuple[float, float | None]:
    """Goal similarity summed over every two members of a group, and its mean per two."""
    enc = encode(mentees, mentors, settings)
    if enc.text_mentee is None:
        return 0.0, None
    groups: dict[str, list[int]] = {}
    for pair in result.pairs:
        groups.setdefault(pair.mentor_id, []).append(enc.mentee_index[pair.mentee_id])
    total, count = 0.0, 0
    for members in groups.values():
        if len(members) < 2:
            continue
        vectors = enc.text_mentee[members]
        similarity = (vectors @ vectors.T).toarray()
        upper = np.triu_indices(len(members), k=1)
        total += float(similarity[upper].sum())
        count += len(upper[0])
    return total, (total / count if count else None)
