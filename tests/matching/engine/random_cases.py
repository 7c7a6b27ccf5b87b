"""Random small cohorts for the engine's property tests, and their engine inputs.

A ``Case`` (see ``reference.py``) carries what makes solvers slip: a minimum score, pins (some
on forbidden or unlisted pairs), forbidden pairs, mentors without seats, mentees who want
several mentors or none, tied scores, stated rankings, load balancing, group programs, and a
candidate limit of 1-3 so the certified pruning is exercised.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

from matching.engine import MatchSettings, Mentee, Mentor, PairScore
from tests.matching.engine.reference import Case


@st.composite
def cases(draw, *, rankings: bool = False, load_balance: bool = True) -> Case:
    n_mentees = draw(st.integers(1, 6))
    n_mentors = draw(st.integers(1, 6))
    mentees = [f"e{i}" for i in range(n_mentees)]
    mentors = [f"m{j}" for j in range(n_mentors)]
    all_pairs = [(a, b) for a in mentees for b in mentors]
    # Few distinct values half of the time, so ties are common.
    value = st.integers(1, 100) | st.sampled_from([30, 50, 50, 70, 90])
    scores = {pair: draw(value) / 100 for pair in all_pairs if draw(st.integers(0, 9)) < 8}
    listed = sorted(scores)
    # Mostly listed pairs; unlisted or forbidden ones too (kept with a warning).
    pin_from = st.sampled_from(listed if listed and draw(st.booleans()) else all_pairs)
    mentee_ranked = st.lists(st.sampled_from(mentors), max_size=n_mentors, unique=True)
    mentor_ranked = st.lists(st.sampled_from(mentees), max_size=n_mentees, unique=True)
    return Case(
        demand={a: draw(st.integers(0, 3)) for a in mentees},
        capacity={b: draw(st.integers(0, 3)) for b in mentors},
        scores=scores,
        min_score=draw(st.sampled_from([0.0, 0.3, 0.5, 0.75])),
        forbidden=tuple(draw(st.lists(st.sampled_from(all_pairs), max_size=3, unique=True))),
        pinned=tuple(draw(st.lists(pin_from, max_size=2))),
        candidate_limit=draw(st.sampled_from([1, 1, 2, 3, 20])),
        group_size=draw(st.none() | st.integers(1, 3)),
        load_balance=load_balance and draw(st.booleans()),
        mentee_preferences=({a: tuple(draw(mentee_ranked)) for a in mentees} if rankings else {}),
        mentor_preferences=({b: tuple(draw(mentor_ranked)) for b in mentors} if rankings else {}),
    )


def engine_inputs(
    case: Case, objective: str
) -> tuple[list[Mentee], list[Mentor], MatchSettings, list[PairScore]]:
    """Arguments for ``match`` or ``greedy_match`` on the case."""
    mentees = [
        Mentee(id=a, mentors_wanted=k, preferences=case.mentee_preferences.get(a, ()))
        for a, k in case.demand.items()
    ]
    mentors = [
        Mentor(id=b, capacity=c, preferences=case.mentor_preferences.get(b, ()))
        for b, c in case.capacity.items()
    ]
    group = {"program_kind": "group", "group_size": case.group_size} if case.group_size else {}
    settings = MatchSettings(
        objective=objective,
        min_score=case.min_score,
        forbidden_pairs=case.forbidden,
        pinned_pairs=case.pinned,
        candidate_limit=case.candidate_limit,
        max_certification_rounds=case.max_rounds,
        load_balance=case.load_balance,
        **group,
    )
    scores = [PairScore(a, b, s) for (a, b), s in case.scores.items()]
    return mentees, mentors, settings, scores


def seeded_case(rng: random.Random, n_mentees: int, n_mentors: int, *, rankings: bool) -> Case:
    """A larger case from a seed, for solves that need several certification rounds."""
    mentees = [f"e{i}" for i in range(n_mentees)]
    mentors = [f"m{j}" for j in range(n_mentors)]
    all_pairs = [(a, b) for a in mentees for b in mentors]
    coarse = rng.random() < 0.5  # few distinct values: many ties
    scores = {
        pair: (rng.choice([30, 50, 70, 90]) if coarse else rng.randint(1, 100)) / 100
        for pair in all_pairs
        if rng.random() < 0.7
    }
    return Case(
        demand={a: rng.choice([0, 1, 1, 1, 2, 3]) for a in mentees},
        capacity={b: rng.randint(0, 4) for b in mentors},
        scores=scores,
        min_score=rng.choice([0.0, 0.3, 0.5]),
        forbidden=tuple(rng.sample(all_pairs, 3)),
        pinned=tuple(rng.sample(sorted(scores) or all_pairs, rng.randint(0, 3))),
        candidate_limit=rng.choice([1, 2, 3]),
        group_size=rng.choice([None, None, 3]),
        load_balance=not rankings and rng.random() < 0.4,
        mentee_preferences=(
            {a: tuple(rng.sample(mentors, rng.randint(0, 3))) for a in mentees} if rankings else {}
        ),
        mentor_preferences=(
            {b: tuple(rng.sample(mentees, rng.randint(0, 3))) for b in mentors} if rankings else {}
        ),
    )
