"""Deferred acceptance leaves no blocking pair; the command line speaks JSON and fails politely."""

from __future__ import annotations

import json
import random

import pytest

from matching.engine import MatchSettings, match
from tests.matching.engine.cli import run_cli, run_cli_subprocess
from tests.matching.engine.instances import random_instance


def _rank(preferences: tuple[str, ...], other: str, score: float) -> tuple[int, float]:
    return (0, preferences.index(other)) if other in preferences else (1, -score)


@pytest.mark.parametrize("candidate_limit", [20, 1])
@pytest.mark.parametrize("seed", range(25))
def test_stable_matching_has_no_blocking_pair_and_respects_capacities(seed, candidate_limit):
    """Blocking pairs are looked for among all allowed pairs, so with a candidate limit of 1
    the answer must be stable beyond the pruned lists too."""
    rng = random.Random(700 + seed)
    base = random_instance(rng, rng.randint(2, 9), rng.randint(1, 5), max_wanted=2, max_capacity=3)
    mentor_ids = [m.id for m in base.mentors]
    mentee_ids = [m.id for m in base.mentees]
    # Some stated rankings on both sides, the rest ranked by score.
    mentees = tuple(
        type(m)(
            id=m.id,
            mentors_wanted=m.mentors_wanted,
            preferences=rng.sample(mentor_ids, rng.randint(0, len(mentor_ids))),
        )
        for m in base.mentees
    )
    mentors = tuple(
        type(m)(
            id=m.id,
            capacity=m.capacity,
            preferences=rng.sample(mentee_ids, rng.randint(0, len(mentee_ids))),
        )
        for m in base.mentors
    )
    settings = MatchSettings(objective="stable", candidate_limit=candidate_limit)
    result = match(mentees, mentors, settings, base.pair_scores)
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    by_mentee = {m.id: [b for a, b in pairs if a == m.id] for m in mentees}
    by_mentor = {m.id: [a for a, b in pairs if b == m.id] for m in mentors}
    for mentor in mentors:
        assert len(by_mentor[mentor.id]) <= mentor.capacity
    for mentee in mentees:
        assert len(by_mentee[mentee.id]) <= mentee.mentors_wanted
        for mentor in mentors:
            pair = (mentee.id, mentor.id)
            if pair in pairs or pair not in base.scores or mentor.capacity == 0:
                continue
            score = base.scores[pair]
            mentee_key = _rank(mentee.preferences, mentor.id, score)
            mentee_wants = len(by_mentee[mentee.id]) < mentee.mentors_wanted or any(
                mentee_key < _rank(mentee.preferences, other, base.scores[(mentee.id, other)])
                for other in by_mentee[mentee.id]
            )
            mentor_key = _rank(mentor.preferences, mentee.id, score)
            mentor_wants = len(by_mentor[mentor.id]) < mentor.capacity or any(
                mentor_key < _rank(mentor.preferences, other, base.scores[(other, mentor.id)])
                for other in by_mentor[mentor.id]
            )
            assert not (mentee_wants and mentor_wants), f"blocking pair {pair}"


VALID = {
    "settings": {"round_date": "2025-03-12", "program_goal": "cross_cultural"},
    "mentees": [
        {
            "id": "e1",
            "skills_wanted": ["SQL", "negotiation"],
            "goals": "better negotiation",
            "languages": ["en", {"code": "ja", "proficiency": 4}],
            "time_zone": "America/New_York",
            "working_hours": {"start": "09:00", "end": "17:00", "weekdays": [0, 1, 2, 3, 4]},
            "country": "Japan",
            "seniority": 1,
        },
        {"id": "e2", "languages": ["fi"]},
    ],
    "mentors": [
        {
            "id": "m1",
            "skills_offered": ["sql"],
            "expertise": "negotiation trainer",
            "languages": ["en"],
            "time_zone": "Europe/London",
            "country": "Brazil",
            "seniority": 3,
            "capacity": 2,
        }
    ],
}


def test_cli_writes_pairs_explanations_unmatched_reasons_and_solver_figures(tmp_path):
    cohort = tmp_path / "cohort.json"
    cohort.write_text(json.dumps(VALID))
    out = tmp_path / "result.json"
    completed = run_cli_subprocess(str(cohort), "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(out.read_text())
    assert [(p["mentee"], p["mentor"]) for p in result["pairs"]] == [("e1", "m1")]
    assert "shares 1 wanted skill: SQL" in result["pairs"][0]["explanation"]
    assert result["unmatched"] == [
        {"mentee": "e2", "slots_unfilled": 1, "reason": "no mentor shares a language"}
    ]
    assert result["objective_value"]["matched_slots"] == 1
    assert result["solver"]["certified_optimal"] is True


def test_cli_accepts_explicit_pair_scores(tmp_path):
    cohort = tmp_path / "cohort.json"
    data = {
        "mentees": [{"id": "a"}, {"id": "b"}],
        "mentors": [{"id": "x"}, {"id": "y"}],
        "pair_scores": [
            {"mentee": "a", "mentor": "x", "score": 0.9},
            {"mentee": "a", "mentor": "y", "score": 0.8},
            {"mentee": "b", "mentor": "x", "score": 0.85},
        ],
    }
    cohort.write_text(json.dumps(data))
    completed = run_cli(str(cohort))
    assert completed.returncode == 0, completed.stderr
    pairs = {(p["mentee"], p["mentor"]) for p in json.loads(completed.stdout)["pairs"]}
    assert pairs == {("a", "y"), ("b", "x")}  # coverage first beats a-x alone


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["mentees"][0].update(time_zone="Mars/Olympus"), "mentees[0].time_zone"),
        (lambda d: d["mentors"][0].update(capacity="two"), "mentors[0].capacity"),
        (lambda d: d["mentees"][1].pop("id"), "mentees[1].id"),
        (lambda d: d["settings"].update(objective="best"), "settings.objective"),
        (
            lambda d: d["mentees"][0]["working_hours"].update(start="9am"),
            "mentees[0].working_hours.start",
        ),
        (lambda d: d["mentees"][0].update(favourite_colour="red"), "mentees[0].favourite_colour"),
    ],
)
def test_cli_rejects_malformed_input_with_exit_code_2_naming_the_field(tmp_path, change, field):
    data = json.loads(json.dumps(VALID))
    change(data)
    cohort = tmp_path / "cohort.json"
    cohort.write_text(json.dumps(data))
    completed = run_cli(str(cohort))
    assert completed.returncode == 2
    assert field in completed.stderr
    assert "Traceback" not in completed.stderr


def test_cli_rejects_a_file_that_is_not_json(tmp_path):
    cohort = tmp_path / "cohort.json"
    cohort.write_text("{not json")
    completed = run_cli(str(cohort))
    assert completed.returncode == 2
    assert "not valid JSON" in completed.stderr
