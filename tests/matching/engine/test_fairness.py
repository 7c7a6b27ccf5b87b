"""Fairness: the worst pair is raised only among allowed pairs, at maximum coverage."""

from __future__ import annotations

import json

import pytest

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, match
from tests.matching.engine.cli import run_cli

BELOW_MINIMUM: dict[str, list] = {
    "mentees": [{"id": "a", "mentors_wanted": 3}, {"id": "b"}],
    "mentors": [{"id": "x", "capacity": 2}, {"id": "y", "capacity": 2}, {"id": "z"}],
    "pair_scores": [
        {"mentee": "a", "mentor": "x", "score": 0.95},
        {"mentee": "a", "mentor": "y", "score": 0.92},
        {"mentee": "a", "mentor": "z", "score": 0.3},
        {"mentee": "b", "mentor": "x", "score": 0.99},
        {"mentee": "b", "mentor": "y", "score": 0.99},
    ],
}


# Mentors who score well with a but have no seat: with more of them than the candidate
# limit, a's list is pruned at the default limit too, which is where the certificate once
# went looking below the minimum.
FULL_MENTORS = {
    **BELOW_MINIMUM,
    "mentors": [
        *BELOW_MINIMUM["mentors"],
        *({"id": f"full{k}", "capacity": 0} for k in range(25)),
    ],
    "pair_scores": [
        *BELOW_MINIMUM["pair_scores"],
        *({"mentee": "a", "mentor": f"full{k}", "score": 0.97} for k in range(25)),
    ],
}


def _cohort_args(
    data: dict,
) -> tuple[tuple[Mentee, ...], tuple[Mentor, ...], list[PairScore]]:
    mentees = tuple(
        Mentee(id=m["id"], mentors_wanted=m.get("mentors_wanted", 1)) for m in data["mentees"]
    )
    mentors = tuple(Mentor(id=m["id"], capacity=m.get("capacity", 1)) for m in data["mentors"])
    scores = [PairScore(p["mentee"], p["mentor"], p["score"]) for p in data["pair_scores"]]
    return mentees, mentors, scores


@pytest.mark.parametrize(
    ("data", "candidate_limit"),
    [(BELOW_MINIMUM, 1), (BELOW_MINIMUM, 20), (FULL_MENTORS, 20)],
    ids=["limit-1", "default-limit", "default-limit-pruned"],
)
def test_fairness_never_uses_a_pair_below_the_minimum_score(data, candidate_limit):
    mentees, mentors, scores = _cohort_args(data)
    settings = MatchSettings(objective="fairness", min_score=0.9, candidate_limit=candidate_limit)
    fair = match(mentees, mentors, settings, scores)
    coverage = match(
        mentees,
        mentors,
        MatchSettings(min_score=0.9, candidate_limit=candidate_limit),
        scores,
    )
    pairs = {(p.mentee_id, p.mentor_id) for p in fair.pairs}
    assert ("a", "z") not in pairs
    assert all(p.score >= 0.9 for p in fair.pairs)
    assert fair.matched_slots == coverage.matched_slots == 3
    assert fair.min_pair_score == pytest.approx(0.92)
    assert fair.report.certified_optimal


@pytest.mark.parametrize("data", [BELOW_MINIMUM, FULL_MENTORS])
def test_fairness_cli_respects_the_minimum_score(tmp_path, data):
    cohort = tmp_path / "cohort.json"
    data = {**data, "settings": {"objective": "fairness", "min_score": 0.9}}
    cohort.write_text(json.dumps(data))
    completed = run_cli(str(cohort))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert all(p["score"] >= 0.9 for p in result["pairs"])
    assert result["objective_value"]["matched_slots"] == 3


PINNED_LOW = {
    "mentees": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    "mentors": [{"id": "x"}, {"id": "y"}, {"id": "z"}],
    "pair_scores": [
        {"mentee": "a", "mentor": "x", "score": 0.1},
        {"mentee": "b", "mentor": "y", "score": 0.9},
        {"mentee": "b", "mentor": "z", "score": 0.6},
        {"mentee": "c", "mentor": "y", "score": 0.7},
        {"mentee": "c", "mentor": "z", "score": 0.5},
    ],
}


@pytest.mark.parametrize("candidate_limit", [1, 20])
def test_fairness_raises_the_worst_chosen_pair_whatever_a_pinned_pair_scores(candidate_limit):
    """The admin pinned a-x at 0.1 on purpose. Counting it would make every answer equally
    fair (0.1) and let the total decide (b-y 0.9, c-z 0.5); fairness instead raises the worst
    pair it chooses itself: b-z 0.6, c-y 0.7. The report gives both figures."""
    mentees, mentors, scores = _cohort_args(PINNED_LOW)
    settings = MatchSettings(
        objective="fairness", pinned_pairs=[("a", "x")], candidate_limit=candidate_limit
    )
    result = match(mentees, mentors, settings, scores)
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert pairs == {("a", "x"), ("b", "z"), ("c", "y")}
    assert result.min_pair_score == pytest.approx(0.1)  # every pair, the pin included
    assert result.min_chosen_pair_score == pytest.approx(0.6)  # what fairness maximises
    assert result.report.certified_optimal


def test_the_json_report_gives_the_worst_pair_and_the_worst_chosen_pair(tmp_path):
    cohort = tmp_path / "cohort.json"
    data = {**PINNED_LOW, "settings": {"objective": "fairness", "pinned_pairs": [["a", "x"]]}}
    cohort.write_text(json.dumps(data))
    completed = run_cli(str(cohort))
    assert completed.returncode == 0, completed.stderr
    value = json.loads(completed.stdout)["objective_value"]
    assert value["min_pair_score"] == pytest.approx(0.1)
    assert value["min_chosen_pair_score"] == pytest.approx(0.6)


def test_without_pins_the_worst_chosen_pair_is_the_worst_pair():
    mentees, mentors, scores = _cohort_args(PINNED_LOW)
    result = match(mentees, mentors, MatchSettings(objective="fairness"), scores)
    assert result.min_chosen_pair_score == result.min_pair_score
