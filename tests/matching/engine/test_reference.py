"""Every objective against an independent reference on small random cohorts.

The cohorts (``random_cases.py``) carry minimum scores, pins, forbidden pairs, empty seats,
ties, rankings, load balancing, group programs and candidate limits of 1-3. The references
are in ``reference.py`` (SciPy's MILP and a blocking-pair search), written from
docs/matching-format.md, not from the engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, explain, greedy_match, match
from tests.matching.engine import reference
from tests.matching.engine.cohorts import attribute_cohort
from tests.matching.engine.random_cases import cases, engine_inputs, seeded_case
from tests.matching.engine.reference import Case

TOLERANCE = 1e-5
ROLES = ["skill", "career", "sponsor"]

# ENGINE_CHECK_EXAMPLES=5000 ENGINE_CHECK_SEEDS=500 run a longer search (minutes).
CHECKED = settings(
    max_examples=int(os.environ.get("ENGINE_CHECK_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _run(case: Case, objective: str):
    """The engine's answer, checked for the rules every objective keeps; returns the result
    and the pairs the solve chose (pinned ones left out)."""
    result = match(*engine_inputs(case, objective))
    pinned = [(p.mentee_id, p.mentor_id) for p in result.pairs if p.pinned]
    chosen = tuple((p.mentee_id, p.mentor_id) for p in result.pairs if not p.pinned)
    assert sorted(pinned) == sorted(case.pins)
    assert len(set(chosen)) == len(chosen)
    assert set(chosen) <= set(case.allowed()), "a pair that is not allowed"
    for mentee, wanted in case.open_demand().items():
        assert sum(1 for a, _ in chosen if a == mentee) <= wanted
    for mentor, room in case.open_seats().items():
        assert sum(1 for _, b in chosen if b == mentor) <= room
    for pair in result.pairs:
        if not pair.pinned:
            assert abs(pair.score - case.scores[(pair.mentee_id, pair.mentor_id)]) < TOLERANCE
    unfilled = {u.mentee_id: u.slots_unfilled for u in result.unmatched}
    for mentee, wanted in case.demand.items():
        got = sum(1 for p in result.pairs if p.mentee_id == mentee)
        assert unfilled.get(mentee, 0) == max(wanted - got, 0)
    return result, chosen


def _value(case: Case, pairs) -> float:
    """Total score minus the load-balancing cost: what the solve maximises after coverage."""
    return sum(case.scores[p] for p in pairs) - reference.load_cost(case, pairs)


def _certified(result) -> None:
    report = result.report
    assert report.certified_optimal
    assert report.gap == 0.0
    assert report.coverage_gap == 0


@CHECKED
@given(cases())
def test_participation_first_equals_the_reference(case):
    result, chosen = _run(case, "participation_first")
    best = reference.participation_first(case)
    assert len(chosen) == len(best)
    assert abs(_value(case, chosen) - _value(case, best)) < TOLERANCE
    assert result.report.max_coverage == len(best) + len(case.pins)
    _certified(result)


@CHECKED
@given(cases())
def test_score_first_equals_the_reference(case):
    result, chosen = _run(case, "score_first")
    best = reference.score_first(case)
    assert abs(_value(case, chosen) - _value(case, best)) < TOLERANCE
    _certified(result)


@CHECKED
@given(cases())
def test_fairness_equals_the_reference(case):
    result, chosen = _run(case, "fairness")
    best, bottleneck = reference.fairness(case)
    assert len(chosen) == len(best)
    worst = min((case.scores[p] for p in chosen), default=None)
    if bottleneck is None:
        assert worst is None
        assert result.min_chosen_pair_score is None
    else:
        assert worst is not None and abs(worst - bottleneck) < TOLERANCE
        assert abs(result.min_chosen_pair_score - bottleneck) < TOLERANCE
    assert abs(_value(case, chosen) - _value(case, best)) < TOLERANCE
    _certified(result)


@CHECKED
@given(cases(), st.sampled_from(["participation_first", "score_first"]), st.integers(0, 1))
def test_a_cut_short_certification_reports_a_gap_that_bounds_what_it_missed(
    case, objective, rounds
):
    """With almost no certification rounds the answer may fall short, but then it must say
    so, and its gap (score points) and coverage gap (slots) must cover the shortfall."""
    case = dataclasses.replace(case, max_rounds=rounds)
    result, chosen = _run(case, objective)
    if objective == "participation_first":
        best = reference.participation_first(case)
        missed_slots = len(best) - len(chosen)
        assert 0 <= missed_slots <= result.report.coverage_gap
        if missed_slots:
            assert not result.report.certified_optimal
            return
    else:
        best = reference.score_first(case)
    missed = _value(case, best) - _value(case, chosen)
    assert missed > -TOLERANCE  # never better than the optimum
    if result.report.certified_optimal:
        assert missed < TOLERANCE
    else:
        assert missed <= result.report.gap + TOLERANCE


@CHECKED
@given(cases(rankings=True, load_balance=False))
def test_stable_leaves_no_blocking_pair_among_all_allowed_pairs(case):
    result, chosen = _run(case, "stable")
    assert reference.blocking_pairs(case, chosen) == []
    assert result.report.certified_optimal


@CHECKED
@given(cases(load_balance=False), st.data())
def test_advisory_boards_fill_most_seats_then_score_best_like_the_reference(case, data):
    case = dataclasses.replace(case, group_size=None)
    seat_roles = {
        a: tuple(data.draw(st.lists(st.sampled_from(ROLES), max_size=3))) for a in case.demand
    }
    offered = {
        b: set(data.draw(st.lists(st.sampled_from(ROLES), max_size=3))) for b in case.capacity
    }
    mentees = [
        Mentee(id=a, mentors_wanted=k, roles_wanted=seat_roles[a]) for a, k in case.demand.items()
    ]
    mentors = [Mentor(id=b, capacity=c, roles=tuple(offered[b])) for b, c in case.capacity.items()]
    options = MatchSettings(
        program_kind="advisory_board",
        min_score=case.min_score,
        forbidden_pairs=case.forbidden,
        pinned_pairs=case.pinned,
        candidate_limit=case.candidate_limit,
    )
    scores = [PairScore(a, b, s) for (a, b), s in case.scores.items()]
    result = match(mentees, mentors, options, scores)
    # Without stated roles a mentee has one "member" seat per mentor wanted, and a mentor
    # without stated roles offers "member"; a mentee who wants no mentor has no board.
    seats = {
        a: (roles or ("member",) * case.demand[a]) if case.demand[a] else ()
        for a, roles in seat_roles.items()
    }
    offers = {b: roles or {"member"} for b, roles in offered.items()}
    pinned = {(p.mentee_id, p.mentor_id): p.role for p in result.pairs if p.pinned}
    chosen = [((p.mentee_id, p.mentor_id), p.role) for p in result.pairs if not p.pinned]
    assert pinned == reference.board_pins(case, seats, offers)[0]
    best = reference.board(case, seats, offers)
    assert len(chosen) == len(best)
    assert (
        abs(sum(case.scores[p] for p, _ in chosen) - sum(case.scores[p] for p, _ in best))
        < TOLERANCE
    )
    for (a, b), role in chosen:
        assert (a, b) in case.allowed()
        assert role in offers[b]
    for mentor, room in case.open_seats().items():
        assert sum(1 for (_, b), _ in chosen if b == mentor) <= room
    filled = Counter((a, role) for (a, _), role in [*pinned.items(), *chosen])
    for mentee, roles in seats.items():
        for role, count in Counter(roles).items():
            assert filled[mentee, role] <= count
    unfilled = {u.mentee_id: u.slots_unfilled for u in result.unmatched}
    for mentee, roles in seats.items():
        missing = Counter(roles) - Counter(r for (a, r) in filled.elements() if a == mentee)
        assert unfilled.get(mentee, 0) == sum(missing.values())


OBJECTIVES = ["participation_first", "score_first", "fairness", "stable"]


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("seed", range(int(os.environ.get("ENGINE_CHECK_SEEDS", "10"))))
def test_attribute_scored_cohorts_match_the_reference(objective, seed):
    """The same references on cohorts scored from attributes (text, skills, languages,
    hours, ...), where pruning and its certificates run on the engine's own block scoring.
    Every pair's score is read once through ``explain`` and handed to the reference."""
    rng = random.Random(900 + seed)
    mentees, mentors = attribute_cohort(rng, rng.randint(6, 10), rng.randint(3, 6), 2)
    mentees = [dataclasses.replace(m, mentors_wanted=rng.randint(0, 2)) for m in mentees]
    all_pairs = [(e.id, m.id) for e in mentees for m in mentors]
    options = MatchSettings(
        objective=objective,
        min_score=rng.choice([0.0, 0.3, 0.45]),
        forbidden_pairs=rng.sample(all_pairs, 2),
        pinned_pairs=rng.sample(all_pairs, rng.randint(0, 2)),
        candidate_limit=rng.choice([1, 2]),
        load_balance=objective != "stable" and rng.random() < 0.5,
        round_date=dt.date(2025, 3, 12),
    )
    explained = explain(mentees, mentors, all_pairs, options)
    scores = {
        pair: round(p.score, 6)
        for pair, p in zip(all_pairs, explained, strict=True)
        if not (p.factors and p.factors[0].factor == "rule")  # a hard rule excludes it
    }
    case = Case(
        demand={m.id: m.mentors_wanted for m in mentees},
        capacity={m.id: m.capacity for m in mentors},
        scores=scores,
        min_score=options.min_score,
        forbidden=options.forbidden_pairs,
        pinned=options.pinned_pairs,
        candidate_limit=options.candidate_limit,
        load_balance=options.load_balance,
        scale=10**6,
    )
    result = match(mentees, mentors, options)
    assert result.report.certified_optimal
    pinned = sorted((p.mentee_id, p.mentor_id) for p in result.pairs if p.pinned)
    chosen = tuple((p.mentee_id, p.mentor_id) for p in result.pairs if not p.pinned)
    assert pinned == sorted(case.pins)
    assert set(chosen) <= set(case.allowed())
    if objective == "stable":
        assert reference.blocking_pairs(case, chosen) == []
        return
    best = {
        "participation_first": reference.participation_first,
        "score_first": reference.score_first,
        "fairness": lambda c: reference.fairness(c)[0],
    }[objective](case)
    if objective != "score_first":
        assert len(chosen) == len(best)
    if objective == "fairness" and best:
        worst = min(case.scores[p] for p in chosen)
        assert worst == pytest.approx(min(case.scores[p] for p in best), abs=1e-5)
    assert _value(case, chosen) == pytest.approx(_value(case, best), abs=1e-4)


@CHECKED
@given(cases())
def test_greedy_baseline_takes_pairs_best_first_like_a_plain_sort(case):
    """The baseline is only a fair yardstick if it is the textbook greedy: every allowed pair
    sorted by score (ties by mentee, then mentor, in list order), taken while both sides have
    room, after the pins."""
    result = greedy_match(*engine_inputs(case, "participation_first"))
    order = {a: k for k, a in enumerate(case.demand)} | {b: k for k, b in enumerate(case.capacity)}
    demand, seats = case.open_demand(), case.open_seats()
    expected = []
    for a, b in sorted(case.allowed(), key=lambda p: (-case.scores[p], order[p[0]], order[p[1]])):
        if demand[a] > 0 and seats[b] > 0:
            demand[a] -= 1
            seats[b] -= 1
            expected.append((a, b))
    chosen = [(p.mentee_id, p.mentor_id) for p in result.pairs if not p.pinned]
    assert sorted(chosen) == sorted(expected)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("seed", range(int(os.environ.get("ENGINE_CHECK_SEEDS", "10"))))
def test_larger_cohorts_match_the_reference(objective, seed):
    rng = random.Random(5000 + seed)
    case = seeded_case(rng, rng.randint(12, 30), rng.randint(4, 12), rankings=objective == "stable")
    result, chosen = _run(case, objective)
    assert result.report.certified_optimal
    if objective == "stable":
        assert reference.blocking_pairs(case, chosen) == []
        return
    if objective == "fairness":
        best, bottleneck = reference.fairness(case)
        worst = min((case.scores[p] for p in chosen), default=None)
        assert (worst is None) == (bottleneck is None)
        if bottleneck is not None:
            assert abs(worst - bottleneck) < TOLERANCE
    elif objective == "participation_first":
        best = reference.participation_first(case)
    else:
        best = reference.score_first(case)
    if objective != "score_first":
        assert len(chosen) == len(best)
    assert abs(_value(case, chosen) - _value(case, best)) < TOLERANCE
