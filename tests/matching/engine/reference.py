"""Independent reference answers for every objective, written from the documented definitions.

Nothing here imports the engine's solver code: each objective is an integer program solved by
SciPy's ``milp`` (HiGHS) on scores the tests draw themselves, and stability is checked by
looking for a blocking pair among all allowed pairs.

Shared rules, as docs/matching-format.md states them:

* an allowed pair is listed in ``pair_scores``, not forbidden, and scores at least
  ``min_score``;
* a pinned pair is always kept and consumes one slot of its mentee's demand and one seat of
  its mentor's capacity before the solve (never below zero); the solve then chooses among the
  other allowed pairs;
* group programs give every mentor ``group_size`` seats.

Scores are whole multiples of ``1 / scale`` (0.01 by default), so integer units make each
lexicographic objective one exact integer objective.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Pair = tuple[str, str]


@dataclass(frozen=True)
class Case:
    """A small cohort with explicit scores and the settings that shape the answer."""

    demand: dict[str, int]  # mentee id -> mentors wanted
    capacity: dict[str, int]  # mentor id -> seats (before group_size is applied)
    scores: dict[Pair, float]  # listed pairs, multiples of 0.01
    min_score: float = 0.0
    forbidden: tuple[Pair, ...] = ()
    pinned: tuple[Pair, ...] = ()
    candidate_limit: int = 20
    max_rounds: int = 8  # the engine's max_certification_rounds (not used by the reference)
    group_size: int | None = None  # set for group programs
    load_balance: bool = False
    scale: int = 100  # scores are whole multiples of 1/scale
    mentee_preferences: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mentor_preferences: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def units(self, pair: Pair) -> int:
        """The pair's score as an integer number of 1/scale score points."""
        return round(self.scores[pair] * self.scale)

    @property
    def load_step(self) -> int:
        """Load balancing's step, 0.05 score points, in the same units."""
        return round(LOAD_STEP * self.scale)

    @property
    def pins(self) -> tuple[Pair, ...]:
        return tuple(dict.fromkeys(self.pinned))

    def seats(self) -> dict[str, int]:
        if self.group_size is not None:  # one group each, none for a mentor without room
            return {b: self.group_size if c > 0 else 0 for b, c in self.capacity.items()}
        return dict(self.capacity)

    def open_demand(self) -> dict[str, int]:
        used = Counter(a for a, _ in self.pins)
        return {a: max(k - used[a], 0) for a, k in self.demand.items()}

    def open_seats(self) -> dict[str, int]:
        used = Counter(b for _, b in self.pins)
        return {b: max(c - used[b], 0) for b, c in self.seats().items()}

    def allowed(self) -> list[Pair]:
        """Pairs the solve may choose: listed, not forbidden, not below the minimum, not
        pinned (a pinned pair is already in the answer)."""
        return [
            pair
            for pair, score in sorted(self.scores.items())
            if pair not in self.forbidden
            and pair not in self.pins
            and score >= self.min_score - 1e-9
        ]


# Load balancing: a mentor's t-th mentee (counting from 0, pinned mentees first) costs
# t * 0.05 score points, as docs/matching-format.md describes.
LOAD_STEP = 0.05


def _solve(
    case: Case, pairs: Sequence[Pair], weights: np.ndarray, exact_count: int | None = None
) -> tuple[Pair, ...]:
    """Maximise ``weights @ x`` over 0/1 choices of ``pairs`` within open demand and seats,
    minus the load-balancing cost of the seats used when the case asks for it."""
    if not pairs:
        return ()
    demand, seats = case.open_demand(), case.open_seats()
    pinned_load = Counter(b for _, b in case.pins)
    # One 0/1 variable per pair, then (with load balancing) one per open seat.
    seat_owner = (
        [(b, t) for b, room in seats.items() for t in range(room)] if case.load_balance else []
    )
    n = len(pairs) + len(seat_owner)
    objective = np.zeros(n)
    objective[: len(pairs)] = weights
    for k, (b, t) in enumerate(seat_owner):
        objective[len(pairs) + k] = -case.load_step * (pinned_load[b] + t)
    rows, lower, upper = [], [], []

    def row(values: list[float], low: float, high: float) -> None:
        rows.append(values + [0.0] * (n - len(values)))
        lower.append(low)
        upper.append(high)

    for mentee, wanted in demand.items():
        row([1.0 if a == mentee else 0.0 for a, _ in pairs], 0, wanted)
    for mentor, room in seats.items():
        row([1.0 if b == mentor else 0.0 for _, b in pairs], 0, room)
        if seat_owner:
            uses = [1.0 if b == mentor else 0.0 for _, b in pairs]
            seats_used = [-1.0 if b == mentor else 0.0 for b, _ in seat_owner]
            row(uses + seats_used, 0, 0)
    if exact_count is not None:
        row([1.0] * len(pairs), exact_count, exact_count)
    result = milp(
        c=-objective,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert result.status == 0, result.message
    return tuple(p for p, x in zip(pairs, result.x[: len(pairs)], strict=True) if x > 0.5)


def load_cost(case: Case, chosen: Sequence[Pair]) -> float:
    """Score points load balancing charges for an answer (0 when it is off)."""
    if not case.load_balance:
        return 0.0
    load = Counter(b for _, b in case.pins) + Counter(b for _, b in chosen)
    pinned_load = Counter(b for _, b in case.pins)
    units = sum(case.load_step * t for b, n in load.items() for t in range(pinned_load[b], n))
    return units / case.scale


def _big(case: Case) -> int:
    """A weight on one slot that outweighs any total score and load cost, in units."""
    pinned_load = Counter(b for _, b in case.pins)
    most_load = sum(
        case.load_step * t
        for b, room in case.open_seats().items()
        for t in range(pinned_load[b] + room)
    )
    return case.scale * len(case.scores) + most_load + 1


def participation_first(case: Case) -> tuple[Pair, ...]:
    """Most slots, then the highest total score (minus the load-balancing cost)."""
    pairs = case.allowed()
    weights = np.array([_big(case) + case.units(p) for p in pairs])
    return _solve(case, pairs, weights)


def score_first(case: Case) -> tuple[Pair, ...]:
    """Highest total score (minus the load-balancing cost), however many slots that fills."""
    pairs = case.allowed()
    return _solve(case, pairs, np.array([case.units(p) for p in pairs]))


def max_slots(case: Case, pairs: Sequence[Pair]) -> int:
    plain = Case(**{**case.__dict__, "load_balance": False})
    return len(_solve(plain, pairs, np.ones(len(pairs))))


def fairness(case: Case) -> tuple[tuple[Pair, ...], float | None]:
    """Most slots; among those, the highest worst score of a chosen (unpinned) pair; then the
    highest total (minus the load-balancing cost). Returns the answer and its worst chosen
    score (None when nothing is chosen).
    """
    pairs = case.allowed()
    target = max_slots(case, pairs)
    if not target:
        return (), None
    bottleneck = None
    for value in sorted({case.units(p) for p in pairs}, reverse=True):
        above = [p for p in pairs if case.units(p) >= value]
        if max_slots(case, above) == target:
            bottleneck = value
            break
    assert bottleneck is not None
    above = [p for p in pairs if case.units(p) >= bottleneck]
    answer = _solve(case, above, np.array([case.units(p) for p in above]), exact_count=target)
    return answer, bottleneck / case.scale


def _rank(preferences: Sequence[str], other: str, score: float) -> tuple[int, float]:
    """Stated choices first in their order, then everyone else by score (smaller is better)."""
    stated = list(dict.fromkeys(preferences))
    return (0, stated.index(other)) if other in stated else (1, -score)


def blocking_pairs(case: Case, chosen: Sequence[Pair]) -> list[Pair]:
    """Allowed pairs outside the answer that both sides strictly prefer to what they hold.

    Pinned pairs are fixed: they only take their slot and seat; a side "holds" its unpinned
    partners and has room while it holds fewer than its open demand or seats.
    """
    chosen_set = set(chosen)
    demand, seats = case.open_demand(), case.open_seats()
    held_by_mentee = {a: [b for x, b in chosen if x == a] for a in demand}
    held_by_mentor = {b: [a for a, y in chosen if y == b] for b in seats}
    found = []
    for pair in case.allowed():
        if pair in chosen_set:
            continue
        mentee, mentor = pair
        score = case.scores[pair]
        mentee_prefs = case.mentee_preferences.get(mentee, ())
        mentor_prefs = case.mentor_preferences.get(mentor, ())
        mine = _rank(mentee_prefs, mentor, score)
        mentee_wants = len(held_by_mentee[mentee]) < demand[mentee] or any(
            mine < _rank(mentee_prefs, other, case.scores[(mentee, other)])
            for other in held_by_mentee[mentee]
        )
        theirs = _rank(mentor_prefs, mentee, score)
        mentor_wants = len(held_by_mentor[mentor]) < seats[mentor] or any(
            theirs < _rank(mentor_prefs, other, case.scores[(other, mentor)])
            for other in held_by_mentor[mentor]
        )
        if mentee_wants and mentor_wants:
            found.append(pair)
    return found


def board_pins(
    case: Case, seat_roles: dict[str, tuple[str, ...]], offered: dict[str, set[str]]
) -> tuple[dict[Pair, str | None], Counter[tuple[str, str]]]:
    """Pinned board members, placed in the order given: each takes the first open seat of
    the mentee's board whose role the mentor offers (None when there is none). Returns each
    pin's role and the seats left open per (mentee, role)."""
    open_seats: Counter[tuple[str, str]] = Counter(
        (a, role) for a, roles in seat_roles.items() for role in roles
    )
    roles: dict[Pair, str | None] = {}
    for a, b in case.pins:
        role = next((r for r in seat_roles[a] if open_seats[a, r] > 0 and r in offered[b]), None)
        if role is not None:
            open_seats[a, role] -= 1
        roles[a, b] = role
    return roles, open_seats


def board(
    case: Case, seat_roles: dict[str, tuple[str, ...]], offered: dict[str, set[str]]
) -> tuple[tuple[Pair, str], ...]:
    """Advisory boards: after the pins, each open seat (mentee, role) takes one mentor
    offering that role; a mentor sits at most once per board and within capacity. Most
    seats, then highest total score."""
    _, open_seats = board_pins(case, seat_roles, offered)
    options = [
        (pair, role)
        for pair in case.allowed()
        for role in sorted(set(seat_roles[pair[0]]))
        if role in offered[pair[1]] and open_seats[pair[0], role] > 0
    ]
    if not options:
        return ()
    rows, lower, upper = [], [], []
    for (mentee, role), count in open_seats.items():
        rows.append([1.0 if (p[0], r) == (mentee, role) else 0.0 for p, r in options])
        lower.append(0)
        upper.append(count)
    for mentor, room in case.open_seats().items():
        rows.append([1.0 if p[1] == mentor else 0.0 for p, _ in options])
        lower.append(0)
        upper.append(room)
    for pair in sorted({p for p, _ in options}):
        rows.append([1.0 if p == pair else 0.0 for p, _ in options])
        lower.append(0)
        upper.append(1)
    weights = np.array([_big(case) + case.units(p) for p, _ in options], dtype=np.float64)
    result = milp(
        c=-weights,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert result.status == 0, result.message
    return tuple(o for o, x in zip(options, result.x, strict=True) if x > 0.5)
