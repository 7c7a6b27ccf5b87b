"""Stable matching: pins, tie-breaking, order independence, stability and mentee-optimality."""

from __future__ import annotations

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, match


def test_stable_does_not_repeat_a_pinned_pair_the_mentee_also_ranked():
    result = match(
        [Mentee(id="e", mentors_wanted=2, preferences=["r"])],
        [Mentor(id="r", capacity=2)],
        MatchSettings(objective="stable", pinned_pairs=[("e", "r")]),
        [PairScore("e", "r", 0.5)],
    )
    assert [(p.mentee_id, p.mentor_id, p.pinned) for p in result.pairs] == [("e", "r", True)]
    assert [(u.mentee_id, u.slots_unfilled) for u in result.unmatched] == [("e", 1)]
