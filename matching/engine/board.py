"""Advisory boards: each mentee gets seats with roles; a mentor fills a seat only if they offer
that role, and sits at most once on a mentee's board.

Flow: source -> (mentee, role) with one unit per seat of that role -> (mentee, mentor) with
capacity 1 -> mentor with capacity c -> sink; maximum seats filled, then maximum score.
Diversity (different countries and functions on one board) is then improved by local swaps
that keep every filled seat filled, accepted only when score minus the duplicate penalty rises.

Pinned pairs are placed first, in the order given: each takes the first open seat of the
mentee's board whose role the mentor offers (or stays on the board without a seat, with a
warning, when there is none) and one unit of the mentor's capacity. The solve fills the
remaining seats; a pinned member is never swapped out.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.engine.candidates import rescore_rows
from matching.engine.explain import explain_pairs
from matching.engine.features import (
    EXCLUSION_NAMES,
    EncodedCohort,
    check_pair_ids,
    encode,
    score_pairs,
)
from matching.engine.flow import score_to_cost
from matching.engine.messages import phrase
from matching.engine.types import (
    MatchedPair,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    SolverReport,
    Unmatched,
)

# Score points lost for each board member who repeats a country or function already present.
DUPLICATE_PENALTY = 0.05


def _duplicates(members: list[int], mentors: Sequence[Mentor]) -> int:
    countries = Counter(mentors[j].country for j in members if mentors[j].country)
    functions = Counter(mentors[j].function for j in members if mentors[j].function)
    return sum(n - 1 for n in countries.values()) + sum(n - 1 for n in functions.values())


def _seat_pins(
    enc: EncodedCohort,
    pinned_pairs: Sequence[tuple[str, str]],
    open_seats: list[Counter[str]],
    seats: list[tuple[str, ...]],
    offers: list[set[str]],
    capacity: list[int],
) -> tuple[list[tuple[int, int, str | None]], list[str]]:
    """Place pinned pairs before the solve: (mentee, mentor, seat role or None), warnings.

    ``open_seats`` and ``capacity`` are reduced in place.
    """
    pinned: list[tuple[int, int, str | None]] = []
    warnings: list[str] = []
    for mentee_id, mentor_id in dict.fromkeys(pinned_pairs):
        i, j = enc.mentee_index[mentee_id], enc.mentor_index[mentor_id]
        _, feasible, reason = score_pairs(enc, np.array([i]), np.array([j]))
        if not feasible[0]:
            warnings.append(
                f"pinned pair ({mentee_id}, {mentor_id}) kept although it breaks the "
                f"{EXCLUSION_NAMES[int(reason[0])]} rule"
            )
        role = next((r for r in seats[i] if open_seats[i][r] > 0 and r in offers[j]), None)
        if role is None:
            warnings.append(
                f"pinned pair ({mentee_id}, {mentor_id}) kept without a seat: the board has no "
                "open seat whose role the mentor offers"
            )
        else:
            open_seats[i][role] -= 1
        if capacity[j] <= 0:
            warnings.append(f"pinned pair ({mentee_id}, {mentor_id}) exceeds the mentor's capacity")
        capacity[j] = max(capacity[j] - 1, 0)
        pinned.append((i, j, role))
    return pinned, warnings


def match_board(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    pair_scores: Sequence[PairScore] | None = None,
) -> MatchResult:
    started = time.perf_counter()
    enc = encode(mentees, mentors, settings, pair_scores)
    check_pair_ids(enc)
    rows, columns, scores = rescore_rows(enc, np.arange(enc.n_mentees), settings.min_score)
    # A mentee who wants no mentor has no board; otherwise the seats are the mentee's roles,
    # the program's, or one "member" seat per mentor wanted.
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
    pinned_keys = {(i, j) for i, j, _ in pinned}

    n_mentors = enc.n_mentors
    node = 1  # node 0 is the source
    role_nodes: dict[tuple[int, str], int] = {}
    tails, heads, caps, costs = [], [], [], []
    for i, roles in enumerate(open_seats):
        for role, count in roles.items():
            role_nodes[i, role] = node
            tails.append(0)
            heads.append(node)
            caps.append(count)
            costs.append(0)
            node += 1
    pair_arcs: list[tuple[int, int, str, float]] = []
    pair_nodes = {}
    pair_cost = score_to_cost(scores)
    for k, (i, j) in enumerate(zip(rows.tolist(), columns.tolist(), strict=True)):
        if (i, j) in pinned_keys:  # a mentor sits once per board
            continue
        for role in open_seats[i]:
            if role in offers[j]:
                if (i, j) not in pair_nodes:
                    pair_nodes[i, j] = node
                    node += 1
                tails.append(role_nodes[i, role])
                heads.append(pair_nodes[i, j])
                caps.append(1)
                costs.append(int(pair_cost[k]))
                pair_arcs.append((i, j, role, float(scores[k])))
    mentor_start = node
    sink = mentor_start + n_mentors
    for (_, j), pair_node in pair_nodes.items():
        tails.append(pair_node)
        heads.append(mentor_start + j)
        caps.append(1)
        costs.append(0)
    for j in range(n_mentors):
        tails.append(mentor_start + j)
        heads.append(sink)
        caps.append(capacity[j])
        costs.append(0)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supply = sum(sum(roles.values()) for roles in open_seats)
    solver.set_nodes_supplies(np.array([0, sink]), np.array([supply, -supply]))
    solver.solve_max_flow_with_min_cost()
    first_pair_arc = len(role_nodes)
    flows = solver.flows(np.arange(first_pair_arc, first_pair_arc + len(pair_arcs)))
    chosen = [pair_arcs[k] for k in np.nonzero(flows > 0)[0]]

    boards: dict[int, list[list[Any]]] = {}
    for i, j, role, score in chosen:
        boards.setdefault(i, []).append([j, role, score])
    pinned_members: dict[int, list[int]] = {}
    for i, j, _ in pinned:
        pinned_members.setdefault(i, []).append(j)
    load = Counter(j for _, j, _, _ in chosen)
    allowed = {
        (i, j): s for i, j, s in zip(rows.tolist(), columns.tolist(), scores.tolist(), strict=True)
    }
    for i, board in boards.items():
        for seat in board:
            # Pinned members stay; they count for repeats and a mentor sits once per board.
            members = [s[0] for s in board] + pinned_members.get(i, [])
            before = seat[2] - DUPLICATE_PENALTY * _duplicates(members, mentors)
            for j in range(n_mentors):
                if j in members or (i, j) not in allowed or seat[1] not in offers[j]:
                    continue
                if load[j] >= capacity[j]:
                    continue
                trial = [j if m == seat[0] else m for m in members]
                after = allowed[i, j] - DUPLICATE_PENALTY * _duplicates(trial, mentors)
                if after > before + 1e-9:
                    load[seat[0]] -= 1
                    load[j] += 1
                    seat[0], seat[2] = j, allowed[i, j]
                    members, before = trial, after
    final = pinned + [(i, seat[0], seat[1]) for i, board in boards.items() for seat in board]
    explained = explain_pairs(
        enc,
        np.array([f[0] for f in final], dtype=np.int64),
        np.array([f[1] for f in final], dtype=np.int64),
    )
    pairs = tuple(
        MatchedPair(
            enc.mentees[i].id, enc.mentors[j].id, score, factors, pinned=k < len(pinned), role=role
        )
        for k, ((i, j, role), (score, factors)) in enumerate(zip(final, explained, strict=True))
    )
    filled = Counter(i for i, _, _ in final)
    unmatched = []
    for i, seat_roles in enumerate(seats):
        missing = Counter(seat_roles) - Counter(role for k, _, role in final if k == i)
        if missing:
            said = phrase("unmatched.board_roles", roles=tuple(sorted(missing)))
            unmatched.append(Unmatched(enc.mentees[i].id, sum(missing.values()), said.text, said))
    total = float(sum(p.score for p in pairs))
    elapsed = time.perf_counter() - started
    report = SolverReport(
        objective="advisory_board",
        certified_optimal=False,
        gap=float("nan"),
        relative_gap=float("nan"),
        coverage_gap=0,
        iterations=1,
        candidate_edges=len(pair_arcs),
        feasible_pairs=len(rows),
        max_coverage=int(sum(filled.values())),
        timings=(("total", round(elapsed, 4)),),
        notes=(
            "seats filled is maximal; score is optimal before the diversity swaps, which trade "
            f"score for fewer repeated countries or functions ({DUPLICATE_PENALTY} per repeat)",
        ),
    )
    return MatchResult(
        pairs=pairs,
        unmatched=tuple(unmatched),
        total_score=total,
        matched_slots=len(pairs),
        demanded_slots=sum(len(s) for s in seats),
        min_pair_score=min((p.score for p in pairs), default=None),
        report=report,
        warnings=tuple(warnings),
        min_chosen_pair_score=min((p.score for p in pairs if not p.pinned), default=None),
    )
