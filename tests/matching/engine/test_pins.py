"""Pinned pairs: kept as the admin set them, and counted like any other pair where it matters."""

from __future__ import annotations

import pytest

from matching.engine import MatchSettings, Mentee, Mentor, PairScore, greedy_match, match

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


def _board(mentees, mentors, scores, **settings):
    options = MatchSettings(program_kind="advisory_board", **settings)
    return match(mentees, mentors, options, scores)


def test_an_advisory_board_keeps_a_pinned_member_in_a_seat_the_mentor_offers():
    """y scores lower than x for the sponsor seat, but the admin pinned y: y takes that seat
    and x, who would have won it, takes the skill seat instead."""
    mentees = [Mentee(id="a", roles_wanted=("sponsor", "skill"))]
    mentors = [
        Mentor(id="x", capacity=1, roles=("sponsor", "skill")),
        Mentor(id="y", capacity=1, roles=("sponsor",)),
    ]
    scores = [PairScore("a", "x", 0.9), PairScore("a", "y", 0.2)]
    result = _board(mentees, mentors, scores, pinned_pairs=[("a", "y")])
    seats = {(p.mentor_id, p.role, p.pinned) for p in result.pairs}
    assert seats == {("y", "sponsor", True), ("x", "skill", False)}
    assert result.unmatched == ()


def test_an_advisory_board_pin_uses_up_the_mentors_capacity():
    mentees = [Mentee(id="a"), Mentee(id="b")]
    mentors = [Mentor(id="x", capacity=1)]
    scores = [PairScore("a", "x", 0.3), PairScore("b", "x", 0.9)]
    result = _board(mentees, mentors, scores, pinned_pairs=[("a", "x")])
    assert [(p.mentee_id, p.mentor_id, p.pinned) for p in result.pairs] == [("a", "x", True)]
    assert [u.mentee_id for u in result.unmatched] == ["b"]


def test_an_advisory_board_pin_on_a_mentor_offering_no_open_role_is_kept_with_a_warning():
    mentees = [Mentee(id="a", roles_wanted=("sponsor",))]
    mentors = [Mentor(id="x", roles=("skill",)), Mentor(id="y", roles=("sponsor",))]
    scores = [PairScore("a", "x", 0.9), PairScore("a", "y", 0.5)]
    result = _board(mentees, mentors, scores, pinned_pairs=[("a", "x")])
    pairs = {(p.mentor_id, p.role, p.pinned) for p in result.pairs}
    assert pairs == {("x", None, True), ("y", "sponsor", False)}
    assert any("(a, x)" in w and "seat" in w for w in result.warnings)


def test_an_advisory_board_mentee_who_wants_no_mentor_gets_no_seat():
    mentees = [Mentee(id="a", mentors_wanted=0), Mentee(id="b")]
    mentors = [Mentor(id="x", capacity=2)]
    scores = [PairScore("a", "x", 0.9), PairScore("b", "x", 0.5)]
    result = _board(mentees, mentors, scores)
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [("b", "x")]
    assert result.demanded_slots == 1


def test_a_group_mentor_without_capacity_leads_no_group():
    """Group programs give each mentor group_size seats, but a mentor whose capacity is 0
    (not taking anyone this round) must not be handed a group."""
    mentees = [Mentee(id="a"), Mentee(id="b")]
    mentors = [Mentor(id="x", capacity=0), Mentor(id="y", capacity=1)]
    scores = [PairScore("a", "x", 0.9), PairScore("b", "x", 0.9), PairScore("a", "y", 0.2)]
    settings = MatchSettings(program_kind="group", group_size=3)
    for run in (match, greedy_match):
        result = run(mentees, mentors, settings, scores)
        assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [("a", "y")]
