"""Input mistakes are refused with a message naming what is wrong, in the Python API and in the
JSON format (and so on the command line, exit code 2)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from matching.engine import (
    CohortFormatError,
    HardRules,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    greedy_match,
    load_cohort,
    match,
)
from tests.matching.engine.cli import run_cli

MENTEES = [Mentee(id="a"), Mentee(id="b")]
MENTORS = [Mentor(id="x"), Mentor(id="y")]
BASE = {
    "mentees": [{"id": "a"}, {"id": "b"}],
    "mentors": [{"id": "x"}, {"id": "y"}],
    "pair_scores": [
        {"mentee": "a", "mentor": "x", "score": 0.6},
        {"mentee": "b", "mentor": "y", "score": 0.5},
    ],
}


def _cli(tmp_path: Path, data: dict) -> subprocess.CompletedProcess:
    cohort = tmp_path / "cohort.json"
    cohort.write_text(json.dumps(data))
    return run_cli(str(cohort))


@pytest.mark.parametrize("run", [match, greedy_match])
def test_a_pair_scored_twice_is_refused_not_added_up(run):
    scores = [PairScore("a", "x", 0.6), PairScore("b", "y", 0.5), PairScore("a", "x", 0.7)]
    with pytest.raises(ValueError, match=r"pair_scores\[2\]: duplicate pair \('a', 'x'\)"):
        run(MENTEES, MENTORS, MatchSettings(), scores)


def test_a_pair_scored_twice_in_json_names_the_second_entry(tmp_path):
    data = {**BASE, "pair_scores": [*BASE["pair_scores"], dict(BASE["pair_scores"][0], score=0.7)]}
    with pytest.raises(CohortFormatError) as error:
        load_cohort(data)
    assert error.value.path == "pair_scores[2]"
    assert "duplicate pair ('a', 'x')" in str(error.value)
    assert "pair_scores[0]" in str(error.value)  # where the first one is
    completed = _cli(tmp_path, data)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: pair_scores[2]: duplicate pair ('a', 'x')")


@pytest.mark.parametrize("name", ["forbidden_pairs", "pinned_pairs"])
@pytest.mark.parametrize(
    ("pair", "side", "unknown"),
    [(("ghost", "x"), "mentee", "ghost"), (("a", "nobody"), "mentor", "nobody")],
)
@pytest.mark.parametrize("run", [match, greedy_match])
def test_an_unknown_id_in_forbidden_or_pinned_pairs_is_refused_by_name(
    run, name, pair, side, unknown
):
    settings = MatchSettings(**{name: [("b", "y"), pair]})
    with pytest.raises(ValueError, match=rf"{name}\[1\]: unknown {side} id '{unknown}'"):
        run(MENTEES, MENTORS, settings, [PairScore("a", "x", 0.6)])


@pytest.mark.parametrize("name", ["forbidden_pairs", "pinned_pairs"])
@pytest.mark.parametrize("kind", ["one_to_one", "group", "advisory_board"])
def test_every_program_kind_refuses_unknown_ids_in_pairs(name, kind):
    settings = MatchSettings(program_kind=kind, **{name: [("a", "nobody")]})
    with pytest.raises(ValueError, match=rf"{name}\[0\]: unknown mentor id 'nobody'"):
        match(MENTEES, MENTORS, settings, [PairScore("a", "x", 0.6)])


@pytest.mark.parametrize("name", ["forbidden_pairs", "pinned_pairs"])
@pytest.mark.parametrize(
    ("pair", "index", "side", "unknown"),
    [(["ghost", "x"], 0, "mentee", "ghost"), (["a", "nobody"], 1, "mentor", "nobody")],
)
def test_an_unknown_id_in_json_pairs_names_the_field_and_the_id(
    tmp_path, name, pair, index, side, unknown
):
    data = {**BASE, "settings": {name: [["b", "y"], pair]}}
    with pytest.raises(CohortFormatError) as error:
        load_cohort(data)
    assert error.value.path == f"settings.{name}[1][{index}]"
    assert f"unknown {side} id '{unknown}'" in str(error.value)
    completed = _cli(tmp_path, data)
    assert completed.returncode == 2
    assert completed.stderr.startswith(
        f"error: settings.{name}[1][{index}]: unknown {side} id '{unknown}'"
    )


def test_previous_pairs_may_name_people_who_left_the_cohort():
    """Rotation history outlives participants: an old pair with someone gone is not an error."""
    settings = MatchSettings(
        previous_pairs=[("gone", "x"), ("a", "gone")],
        hard_rules=HardRules(rotate_mentors=True),
    )
    result = match(MENTEES, MENTORS, settings, [PairScore("a", "x", 0.6)])
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [("a", "x")]
