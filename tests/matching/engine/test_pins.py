"""Pinned pairs: kept as the admin set them, and counted like any other pair where it matters."""

from __future__ import annotations

import pytest

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, match

OBJECTIVES = ["participation_first", "score_first", "fairness"]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_load_balancing_counts_a_pinned_mentee_on_the_mentor(objective):
    """x already has a (pinned) mentee, so a second one on x costs 0.05: b goes to y. (c's
    only pair fixes fairness's worst pair at 0.1, so b's choice is about the total.)"""
    mentees = [Mentee(id="a"), Mentee(id="b"), Mentee(id="c")]
    mentors = [Mentor(id="x", capacity=2), Mentor(id="y", capacity=2), Mentor(id="z")]
    scores = [
        PairScore("a", "x", 0.5),
        PairScore("b", "x", 0.60),
        PairScore("b", "y", 0.58),
        PairScore("c", "z", 0.1),
    ]
    settings = MatchSettings(objective=objective, load_balance=True, pinned_pairs=[("a", "x")])
    result = match(mentees, mentors, settings, scores)
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert ("b", "y") in pairs
    assert ("b", "x") not in pairs
