"""Input mistakes are refused with a message naming what is wrong, in the Python API and in the
JSON format (and so on the command line, exit code 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.engine import (
    CohortFormatError,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    greedy_match,
    load_cohort,
    match,
)

REPO = Path(__file__).resolve().parents[3]
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
    return subprocess.run(
        [sys.executable, "-m", "matching.engine", str(cohort)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


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
