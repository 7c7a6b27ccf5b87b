"""Explanations read like an admin would write them; unmatched mentees get the right reason."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from matching.engine import (
    HardRules,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    WorkingHours,
    explain,
    match,
)

ROUND = dt.date(2025, 3, 12)  # New York already on summer time, London not yet


def _factor(pair, name):
    return next(f for f in pair.factors if f.factor == name)


def test_explanation_names_shared_skills_overlap_and_cultures():
    mentee = Mentee(
        id="aiko",
        skills_wanted=["Negotiation", "SQL", "public  speaking", "Python"],
        goals="improve my negotiation",
        languages=["en", "ja"],
        time_zone="America/New_York",
        country="Japan",
        seniority=2,
    )
    mentor = Mentor(
        id="bruno",
        skills_offered=["negotiation", "sql", "Public Speaking"],
        expertise="negotiation coach",
        languages=["en", "pt"],
        time_zone="Europe/London",
        country="Brazil",
        seniority=4,
    )
    (pair,) = match(
        [mentee], [mentor], MatchSettings(round_date=ROUND, program_goal="cross_cultural")
    ).pairs
    assert _factor(pair, "skills").text == (
        "shares 3 wanted skills: Negotiation, SQL, public  speaking"
    )
    assert _factor(pair, "skills").value == 0.75
    assert _factor(pair, "hours").text == "20 h of working-hours overlap per week"
    assert _factor(pair, "diversity").text == "cross-cultural: Japan ↔ Brazil"
    assert _factor(pair, "seniority").text == "mentor is 2 levels above the mentee (preferred 1-3)"
    assert _factor(pair, "language").text == "shared language: en"
    assert "negotiation" in _factor(pair, "text").text
    contributions = sum(f.contribution for f in pair.factors)
    assert abs(contributions - pair.score) < 1e-5


def test_reverse_mentoring_explains_the_inverted_gap():
    mentee = Mentee(id="vp", seniority=7, languages=["en"])
    mentor = Mentor(id="grad", seniority=1, languages=["en"])
    settings = MatchSettings(reverse_mentoring=True, seniority_gap=(3, 8), round_date=ROUND)
    (pair,) = match([mentee], [mentor], settings).pairs
    assert _factor(pair, "seniority").value == 1.0
    assert "mentee is 6 levels above the mentor" in _factor(pair, "seniority").text


def test_mentee_without_a_shared_language_is_unmatched_for_that_reason():
    mentees = [Mentee(id="solo", languages=["fi"]), Mentee(id="ok", languages=["en"])]
    mentors = [Mentor(id="m1", languages=["en"], capacity=2)]
    result = match(mentees, mentors, MatchSettings(round_date=ROUND))
    assert [(u.mentee_id, u.reason) for u in result.unmatched] == [
        ("solo", "no mentor shares a language")
    ]


def test_language_rule_can_be_switched_off():
    mentees = [Mentee(id="solo", languages=["fi"])]
    mentors = [Mentor(id="m1", languages=["en"])]
    rules = HardRules(shared_language=False)
    result = match(mentees, mentors, MatchSettings(hard_rules=rules, round_date=ROUND))
    assert [p.mentor_id for p in result.pairs] == ["m1"]


def test_mentee_whose_only_mentor_is_the_manager_is_unmatched_by_the_reporting_line_rule():
    mentees = [Mentee(id="e1", manager_email="boss@x.com", languages=["en"])]
    mentors = [Mentor(id="m1", email="boss@x.com", languages=["en"])]
    result = match(mentees, mentors, MatchSettings(round_date=ROUND))
    assert result.pairs == ()
    assert result.unmatched[0].reason == "every candidate excluded by the reporting-line rule"


def test_the_rule_also_excludes_a_mentor_who_reports_to_the_mentee():
    mentees = [Mentee(id="e1", email="lead@x.com")]
    mentors = [Mentor(id="m1", manager_email="lead@x.com")]
    assert match(mentees, mentors, MatchSettings(round_date=ROUND)).pairs == ()


def test_same_person_is_never_matched_with_themself():
    mentees = [Mentee(id="p1", email="p@x.com")]
    mentors = [Mentor(id="p2", email="P@x.com ")]
    result = match(mentees, mentors, MatchSettings(round_date=ROUND))
    assert result.pairs == ()


def test_mentees_left_over_when_all_eligible_mentors_are_full_are_told_so():
    mentees = [Mentee(id=f"e{i}", languages=["en"]) for i in range(3)]
    mentors = [Mentor(id="m1", languages=["en"], capacity=2)]
    result = match(mentees, mentors, MatchSettings(round_date=ROUND))
    assert len(result.pairs) == 2
    (left,) = result.unmatched
    assert left.reason == "all 1 eligible mentor are at capacity" or left.reason.startswith(
        "all 1 eligible mentor"
    )


def test_forbidden_and_previous_pairs_are_excluded_and_pinned_pairs_kept():
    mentees = [Mentee(id="e1"), Mentee(id="e2")]
    mentors = [Mentor(id="m1", capacity=2), Mentor(id="m2", capacity=2)]
    settings = MatchSettings(
        forbidden_pairs=[("e1", "m1")],
        previous_pairs=[("e2", "m2")],
        hard_rules=HardRules(rotate_mentors=True),
        pinned_pairs=[("e2", "m1")],
        round_date=ROUND,
    )
    result = match(mentees, mentors, settings)
    pairs = {(p.mentee_id, p.mentor_id): p.pinned for p in result.pairs}
    assert pairs == {("e1", "m2"): False, ("e2", "m1"): True}


def test_explain_reports_the_rule_an_admin_override_breaks():
    mentees = [Mentee(id="e1", manager_email="boss@x.com")]
    mentors = [Mentor(id="m1", email="boss@x.com")]
    (pair,) = explain(mentees, mentors, [("e1", "m1")], MatchSettings(round_date=ROUND))
    assert pair.score == 0.0
    assert pair.factors[0].text == "not allowed: reporting line"


def test_load_balancing_spreads_mentees_over_mentors():
    mentees = [Mentee(id=f"e{i}") for i in range(4)]
    mentors = [Mentor(id="star", capacity=4), Mentor(id="other", capacity=4)]
    scores = [PairScore(e.id, "star", 0.90) for e in mentees]
    scores += [PairScore(e.id, "other", 0.88) for e in mentees]
    plain = match(mentees, mentors, MatchSettings(), scores)
    balanced = match(mentees, mentors, MatchSettings(load_balance=True), scores)
    assert {p.mentor_id for p in plain.pairs} == {"star"}
    loads = [sum(p.mentor_id == m.id for p in balanced.pairs) for m in mentors]
    assert loads == [2, 2]


def test_working_hours_profile_is_used_for_every_pair():
    mentee = Mentee(
        id="e", time_zone="Asia/Tokyo", working_hours=WorkingHours(dt.time(9), dt.time(17))
    )
    mentor = Mentor(id="m", time_zone="Asia/Tokyo")
    (pair,) = match([mentee], [mentor], MatchSettings(round_date=ROUND)).pairs
    assert _factor(pair, "hours").text == "40 h of working-hours overlap per week"


def test_advisory_board_fills_each_role_with_a_mentor_offering_it_once_per_board():
    mentees = [Mentee(id="e1", roles_wanted=["skill", "career", "sponsor"])]
    mentors = [
        Mentor(id="a", roles=["skill", "career"], capacity=2, country="Japan"),
        Mentor(id="b", roles=["career"], capacity=2, country="Japan"),
        Mentor(id="c", roles=["sponsor", "skill"], capacity=2, country="Kenya"),
    ]
    result = match(mentees, mentors, MatchSettings(program_kind="advisory_board", round_date=ROUND))
    seats = {(p.role, p.mentor_id) for p in result.pairs}
    assert {role for role, _ in seats} == {"skill", "career", "sponsor"}
    assert len({mentor for _, mentor in seats}) == 3  # each mentor at most once
    for role, mentor in seats:
        assert role in next(m for m in mentors if m.id == mentor).roles
    assert result.unmatched == ()


def test_group_programs_put_up_to_group_size_mentees_with_one_mentor():
    mentees = [
        Mentee(id=f"e{i}", goals="sales growth" if i % 2 else "data science") for i in range(6)
    ]
    mentors = [Mentor(id="m1", expertise="sales"), Mentor(id="m2", expertise="data")]
    settings = MatchSettings(program_kind="group", group_size=3, round_date=ROUND)
    result = match(mentees, mentors, settings)
    sizes = Counter(p.mentor_id for p in result.pairs)
    assert sorted(sizes.values()) == [3, 3]
    assert len({p.group for p in result.pairs}) == 2
