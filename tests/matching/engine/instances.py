"""Random instances and independent reference solvers for the engine tests.

Scores are drawn here, not computed by the engine, and passed as explicit pair scores, so the
reference answers share nothing with the code under test.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from matching.engine import Mentee, Mentor, PairScore


@dataclass(frozen=True)
class Instance:
    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    scores: dict[tuple[str, str], float]  # allowed pairs only

    @property
    def pair_scores(self) -> list[PairScore]:
        return [PairScore(a, b, s) for (a, b), s in self.scores.items()]


def random_instance(
    rng: random.Random,
    n_mentees: int,
    n_mentors: int,
    *,
    max_wanted: int = 1,
    max_capacity: int = 2,
    density: float = 0.7,
) -> Instance:
    mentees = tuple(
        Mentee(id=f"e{i}", mentors_wanted=rng.randint(1, max_wanted)) for i in range(n_mentees)
    )
    mentors = tuple(
        Mentor(id=f"m{j}", capacity=rng.randint(0, max_capacity)) for j in range(n_mentors)
    )
    scores = {
        (e.id, m.id): round(rng.uniform(0.01, 1.0), 4)
        for e in mentees
        for m in mentors
        if rng.random() < density
    }
    return Instance(mentees, mentors, scores)


def brute_force(instance: Instance) -> list[tuple[tuple[str, str], ...]]:
    """Every feasible b-matching: each mentee gets at most k allowed mentors, each mentor at
    most c mentees, each pair at most once."""
    options = []
    for mentee in instance.mentees:
        allowed = [m.id for m in instance.mentors if (mentee.id, m.id) in instance.scores]
        subsets = [
            combo
            for size in range(0, min(mentee.mentors_wanted, len(allowed)) + 1)
            for combo in itertools.combinations(allowed, size)
        ]
        options.append([tuple((mentee.id, m) for m in combo) for combo in subsets])
    capacity = {m.id: m.capacity for m in instance.mentors}
    matchings = []
    for choice in itertools.product(*options):
        pairs = tuple(p for group in choice for p in group)
        load: dict[str, int] = {}
        for _, mentor in pairs:
            load[mentor] = load.get(mentor, 0) + 1
        if all(load[m] <= capacity[m] for m in load):
            matchings.append(pairs)
    return matchings


def total(instance: Instance, pairs: tuple[tuple[str, str], ...]) -> float:
    return sum(instance.scores[p] for p in pairs)
