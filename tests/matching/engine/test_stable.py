"""Stable matching: pins, tie-breaking, order independence, stability and mentee-optimality.

Preferences are rebuilt here from the documented rule (stated ranking first, then score
descending, then id in natural order, on both sides), independently of the engine.
"""

from __future__ import annotations

import random
import re

import pytest

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, match
from tests.matching.engine.instances import Instance, brute_force, random_instance


def test_stable_does_not_repeat_a_pinned_pair_the_mentee_also_ranked():
    result = match(
        [Mentee(id="e", mentors_wanted=2, preferences=["r"])],
        [Mentor(id="r", capacity=2)],
        MatchSettings(objective="stable", pinned_pairs=[("e", "r")]),
        [PairScore("e", "r", 0.5)],
    )
    assert [(p.mentee_id, p.mentor_id, p.pinned) for p in result.pairs] == [("e", "r", True)]
    assert [(u.mentee_id, u.slots_unfilled) for u in result.unmatched] == [("e", 1)]


def _natural(identifier: str) -> tuple:
    """e2 before e10, 9 before 10: digit runs compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", identifier)), identifier


def _stable_pairs(mentees, mentors, scores, **settings) -> set[tuple[str, str]]:
    result = match(
        mentees,
        mentors,
        MatchSettings(objective="stable", **settings),
        [PairScore(a, b, s) for (a, b), s in scores.items()],
    )
    return {(p.mentee_id, p.mentor_id) for p in result.pairs}


@pytest.mark.parametrize("reverse", [False, True])
def test_a_mentor_choosing_between_equal_scores_takes_the_lower_id(reverse):
    mentees = [Mentee(id="e10"), Mentee(id="e2"), Mentee(id="e9")]
    mentors = [Mentor(id="m", capacity=1), Mentor(id="n", capacity=1)]
    scores = {("e10", "m"): 0.5, ("e2", "m"): 0.5, ("e9", "m"): 0.5}
    if reverse:
        mentees.reverse()
    assert _stable_pairs(mentees, mentors, scores) == {("e2", "m")}
    # Numeric ids (the web app sends primary keys) compare as numbers: 9 before 10.
    numeric = [Mentee(id="10"), Mentee(id="9")]
    assert _stable_pairs(numeric, mentors, {("10", "m"): 0.5, ("9", "m"): 0.5}) == {("9", "m")}


def test_a_mentee_choosing_between_equal_scores_asks_the_lower_id_first():
    mentees = [Mentee(id="e1")]
    mentors = [Mentor(id="m10", capacity=1), Mentor(id="m9", capacity=1)]
    assert _stable_pairs(mentees, mentors, {("e1", "m10"): 0.5, ("e1", "m9"): 0.5}) == {
        ("e1", "m9")
    }
    # Two mentees tied everywhere: e1 wins m1 (lower id on both sides), e2 moves on to m2.
    mentees = [Mentee(id="e2"), Mentee(id="e1")]
    mentors = [Mentor(id="m2", capacity=1), Mentor(id="m1", capacity=1)]
    scores = {(e.id, m.id): 0.5 for e in mentees for m in mentors}
    assert _stable_pairs(mentees, mentors, scores) == {("e1", "m1"), ("e2", "m2")}


def test_stated_rankings_and_scores_come_before_ids():
    mentees = [Mentee(id="e1"), Mentee(id="e2"), Mentee(id="e3")]
    mentors = [Mentor(id="m", capacity=1, preferences=["e3"])]
    scores = {("e1", "m"): 0.5, ("e2", "m"): 0.9, ("e3", "m"): 0.1}
    assert _stable_pairs(mentees, mentors, scores) == {("e3", "m")}
    mentors = [Mentor(id="m", capacity=1)]
    assert _stable_pairs(mentees, mentors, scores) == {("e2", "m")}


def _with_rankings(rng: random.Random, instance: Instance) -> Instance:
    mentor_ids = [m.id for m in instance.mentors]
    mentee_ids = [m.id for m in instance.mentees]

    def some(ids: list[str]) -> list[str]:
        return rng.sample(ids, rng.randint(0, len(ids))) if rng.random() < 0.5 else []

    mentees = tuple(
        Mentee(id=m.id, mentors_wanted=m.mentors_wanted, preferences=some(mentor_ids))
        for m in instance.mentees
    )
    mentors = tuple(
        Mentor(id=m.id, capacity=m.capacity, preferences=some(mentee_ids)) for m in instance.mentors
    )
    return Instance(mentees, mentors, instance.scores)


def _tied_instance(rng: random.Random, n_mentees: int, n_mentors: int, **kwargs) -> Instance:
    """Scores on a coarse grid, so both sides face many ties."""
    instance = random_instance(rng, n_mentees, n_mentors, **kwargs)
    coarse = {pair: round(score * 4) / 4 or 0.25 for pair, score in instance.scores.items()}
    return _with_rankings(rng, Instance(instance.mentees, instance.mentors, coarse))


class _Preferences:
    """The documented strict order on each side."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.mentee = {m.id: list(dict.fromkeys(m.preferences)) for m in instance.mentees}
        self.mentor = {m.id: list(dict.fromkeys(m.preferences)) for m in instance.mentors}

    def mentee_key(self, mentee: str, mentor: str) -> tuple:
        stated = self.mentee[mentee]
        if mentor in stated:
            return (0, stated.index(mentor))
        return (1, -self.instance.scores[(mentee, mentor)], _natural(mentor))

    def mentor_key(self, mentor: str, mentee: str) -> tuple:
        stated = self.mentor[mentor]
        if mentee in stated:
            return (0, stated.index(mentee))
        return (1, -self.instance.scores[(mentee, mentor)], _natural(mentee))

    def blocking_pairs(self, pairs: set[tuple[str, str]]) -> list[tuple[str, str]]:
        instance = self.instance
        wanted = {m.id: m.mentors_wanted for m in instance.mentees}
        capacity = {m.id: m.capacity for m in instance.mentors}
        partners = {e: [b for a, b in pairs if a == e] for e in wanted}
        held = {m: [a for a, b in pairs if b == m] for m in capacity}
        blocking = []
        for a, b in instance.scores:
            if (a, b) in pairs or capacity[b] == 0:
                continue
            mentee_wants = len(partners[a]) < wanted[a] or any(
                self.mentee_key(a, b) < self.mentee_key(a, other) for other in partners[a]
            )
            mentor_wants = len(held[b]) < capacity[b] or any(
                self.mentor_key(b, a) < self.mentor_key(b, other) for other in held[b]
            )
            if mentee_wants and mentor_wants:
                blocking.append((a, b))
        return blocking


@pytest.mark.parametrize("candidate_limit", [20, 1])
@pytest.mark.parametrize("seed", range(30))
def test_no_blocking_pair_among_all_allowed_pairs_under_the_documented_order(seed, candidate_limit):
    rng = random.Random(4100 + seed)
    instance = _tied_instance(
        rng, rng.randint(2, 12), rng.randint(1, 6), max_wanted=3, max_capacity=3
    )
    pairs = _stable_pairs(
        instance.mentees, instance.mentors, instance.scores, candidate_limit=candidate_limit
    )
    assert len(pairs) == len(set(pairs))
    for mentor in instance.mentors:
        assert sum(b == mentor.id for _, b in pairs) <= mentor.capacity
    for mentee in instance.mentees:
        assert sum(a == mentee.id for a, _ in pairs) <= mentee.mentors_wanted
    assert pairs <= set(instance.scores)
    assert _Preferences(instance).blocking_pairs(pairs) == []


@pytest.mark.parametrize("candidate_limit", [20, 2])
@pytest.mark.parametrize("seed", range(20))
def test_the_answer_does_not_depend_on_the_order_people_are_listed_in(seed, candidate_limit):
    rng = random.Random(5200 + seed)
    instance = _tied_instance(
        rng, rng.randint(5, 40), rng.randint(2, 12), max_wanted=2, max_capacity=4
    )
    forbidden = rng.sample(sorted(instance.scores), min(3, len(instance.scores)))
    settings = {"candidate_limit": candidate_limit, "forbidden_pairs": forbidden}
    expected = _stable_pairs(instance.mentees, instance.mentors, instance.scores, **settings)
    for _ in range(3):
        mentees, mentors = list(instance.mentees), list(instance.mentors)
        rng.shuffle(mentees)
        rng.shuffle(mentors)
        scores = dict(rng.sample(sorted(instance.scores.items()), len(instance.scores)))
        assert _stable_pairs(mentees, mentors, scores, **settings) == expected


def test_the_answer_lists_pairs_and_unmatched_mentees_in_the_callers_order():
    mentees = [Mentee(id="e2"), Mentee(id="e10"), Mentee(id="e1", mentors_wanted=2)]
    mentors = [Mentor(id="m2", capacity=2), Mentor(id="m1", capacity=1)]
    scores = {("e2", "m2"): 0.4, ("e10", "m1"): 0.9, ("e1", "m2"): 0.5, ("e1", "m1"): 0.3}
    result = match(
        mentees,
        mentors,
        MatchSettings(objective="stable", pinned_pairs=[("e1", "m2")]),
        [PairScore(a, b, s) for (a, b), s in scores.items()],
    )
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [
        ("e1", "m2"),  # pinned pairs first
        ("e2", "m2"),
        ("e10", "m1"),
    ]
    assert [u.mentee_id for u in result.unmatched] == ["e1"]


@pytest.mark.parametrize("seed", range(40))
def test_stable_is_the_mentee_optimal_stable_matching(seed):
    """Among all stable matchings (enumerated), every mentee does at least as well in the
    engine's: its partners, best first, are each at least as good as in any other."""
    rng = random.Random(6300 + seed)
    instance = _tied_instance(
        rng, rng.randint(2, 5), rng.randint(1, 3), max_wanted=rng.choice([1, 2]), max_capacity=2
    )
    preferences = _Preferences(instance)
    engine = _stable_pairs(instance.mentees, instance.mentors, instance.scores, candidate_limit=1)
    stable = [set(m) for m in brute_force(instance) if not preferences.blocking_pairs(set(m))]
    assert engine in stable
    for mentee in instance.mentees:

        def ranks(pairs: set[tuple[str, str]], mentee: Mentee = mentee) -> list[tuple]:
            keys = sorted(preferences.mentee_key(mentee.id, b) for a, b in pairs if a == mentee.id)
            return keys + [(2,)] * (mentee.mentors_wanted - len(keys))  # (2,): an open slot

        for other in stable:
            assert all(x <= y for x, y in zip(ranks(engine), ranks(other), strict=True))


def _random_cohort(rng: random.Random) -> tuple[list, list, MatchSettings, list[PairScore]]:
    """Pins, forbidden pairs, rankings on both sides, capacities above 1 and tied scores."""
    instance = _tied_instance(
        rng, rng.randint(5, 120), rng.randint(2, 30), max_wanted=3, max_capacity=4
    )
    allowed = sorted(instance.scores)
    settings = MatchSettings(
        objective="stable",
        candidate_limit=rng.choice([1, 3, 20]),
        pinned_pairs=rng.sample(allowed, min(len(allowed), rng.randint(0, 3))),
        forbidden_pairs=rng.sample(allowed, min(len(allowed), rng.randint(0, 5))),
        min_score=rng.choice([0.0, 0.0, 0.3]),
    )
    scores = [PairScore(a, b, s) for (a, b), s in instance.scores.items()]
    return list(instance.mentees), list(instance.mentors), settings, scores


def _answer(result) -> list[tuple]:
    return [(p.mentee_id, p.mentor_id, p.score, p.pinned) for p in result.pairs] + [
        (u.mentee_id, u.slots_unfilled) for u in result.unmatched
    ]


@pytest.mark.parametrize("seed", range(40))
def test_the_compiled_and_the_interpreted_proposal_loops_give_the_same_answer(seed, monkeypatch):
    from matching.engine import deferred

    cohort = _random_cohort(random.Random(7400 + seed))
    monkeypatch.setattr(deferred, "COMPILE_FROM", 0)
    compiled = _answer(match(*cohort))
    monkeypatch.setattr(deferred, "COMPILED", False)
    assert _answer(match(*cohort)) == compiled


@pytest.mark.parametrize("seed", range(3))
def test_both_proposal_loops_agree_on_attribute_scores(seed, monkeypatch):
    from matching.engine import deferred
    from tests.matching.engine.cohorts import attribute_cohort

    rng = random.Random(7500 + seed)
    mentees, mentors = attribute_cohort(rng, 400, 60)
    settings = MatchSettings(objective="stable", candidate_limit=rng.choice([2, 20]))
    monkeypatch.setattr(deferred, "COMPILE_FROM", 0)
    compiled = _answer(match(mentees, mentors, settings))
    monkeypatch.setattr(deferred, "COMPILED", False)
    assert _answer(match(mentees, mentors, settings)) == compiled


def test_stable_works_without_a_writable_numba_cache_or_without_numba(monkeypatch):
    import sys

    from matching.engine import deferred

    cohort = _random_cohort(random.Random(7600))
    monkeypatch.setattr(deferred, "COMPILE_FROM", 0)
    expected = _answer(match(*cohort))
    # No cache directory anywhere: compiled once for this process instead.
    numba_caching = pytest.importorskip("numba.core.caching")

    def unwritable(self):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(numba_caching._CacheLocator, "ensure_cache_path", unwritable)
    monkeypatch.setattr(deferred, "_compiled", None)
    assert _answer(match(*cohort)) == expected
    assert type(getattr(deferred._compiled, "_cache", None)).__name__ == "NullCache"
    # No numba at all: the interpreter runs the same loop.
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setattr(deferred, "_compiled", None)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    assert _answer(match(*cohort)) == expected
    assert deferred._compile_failed


def test_small_cohorts_skip_loading_numba_unless_it_is_loaded(monkeypatch):
    from matching.engine import deferred

    calls = []
    monkeypatch.setattr(deferred, "_compile", lambda: calls.append(1))
    monkeypatch.setattr(deferred, "_compiled", None)
    match(*_random_cohort(random.Random(7700)))
    assert calls == []
    monkeypatch.setattr(deferred, "COMPILE_FROM", 0)
    match(*_random_cohort(random.Random(7700)))
    assert calls
