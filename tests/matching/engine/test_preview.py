"""The settings preview counts mentees left without any candidate, overall and per rule."""

from matching.engine import HardRules, Language, MatchSettings, Mentee, Mentor
from matching.engine.preview import rule_impact


def _mentee(identifier, languages=("en",), manager=""):
    return Mentee(
        id=identifier, email=f"{identifier}@x.test", languages=languages, manager_email=manager
    )


def _mentor(identifier, languages=("en",), capacity=1):
    return Mentor(
        id=identifier, email=f"{identifier}@x.test", languages=languages, capacity=capacity
    )


def test_language_rule_strands_the_mentee_who_shares_no_language():
    mentees = [_mentee("a"), _mentee("b", languages=("fi",))]
    mentors = [_mentor("m1"), _mentor("m2")]

    impact = rule_impact(mentees, mentors, MatchSettings())

    assert impact.without_candidate == 1
    assert dict(impact.by_rule)["shared_language"] == 1
    assert dict(impact.by_rule)["reporting_line"] == 0


def test_reporting_line_strands_a_mentee_whose_only_mentor_is_their_manager():
    mentees = [_mentee("a", manager="boss@x.test")]
    mentors = [_mentor("boss")]

    impact = rule_impact(mentees, mentors, MatchSettings())
    relaxed = rule_impact(
        mentees, mentors, MatchSettings(hard_rules=HardRules(reporting_line=False))
    )

    assert dict(impact.by_rule)["reporting_line"] == 1
    assert impact.without_candidate == 1
    assert relaxed.without_candidate == 0
    assert "reporting_line" not in dict(relaxed.by_rule)


def test_forbidden_pairs_and_full_mentors_count_too():
    mentees = [_mentee("a"), _mentee("b")]
    mentors = [_mentor("m1"), _mentor("m2", capacity=0)]
    settings = MatchSettings(forbidden_pairs=(("a", "m1"),))

    impact = rule_impact(mentees, mentors, settings)

    assert dict(impact.by_rule)["forbidden_pairs"] == 1
    assert impact.without_candidate == 1


def test_languages_with_proficiency_objects_are_accepted():
    mentees = [Mentee(id="a", languages=(Language("es", 4),))]
    mentors = [Mentor(id="m", languages=(Language("es", 5),))]

    assert rule_impact(mentees, mentors, MatchSettings()).without_candidate == 0
