"""The threshold rule's exact answers, where the broader tests of
test_results_anonymity_rule.py let a small change through (docs/testing.md, fourth round)."""

from __future__ import annotations

from surveys.anonymity import (
    OTHER,
    Bucket,
    Dimension,
    GroupDecision,
    Refusal,
    buckets_for,
    group_decision,
)


def combo(cohort="1", role="mentee", country="GB", function="Sales", seniority="2"):
    return (cohort, role, country, function, seniority)


def test_values_with_as_many_responses_stand_in_name_order_and_the_later_name_joins_other():
    # FR and DE tie at 5: DE comes first, and FR (the later name) is the one that joins the
    # too-small "Other", whatever order the counts arrive in.
    for counts in ({"FR": 5, "DE": 5, "ES": 1}, {"ES": 1, "DE": 5, "FR": 5}):
        buckets = buckets_for(counts, threshold=3)
        assert [(b.key, set(b.values), b.count) for b in buckets] == [
            ("DE", {"DE"}, 5),
            (OTHER, {"FR", "ES"}, 6),
        ]


def test_ties_among_large_values_are_listed_by_name():
    buckets = buckets_for({"GB": 4, "FR": 4, "DE": 4}, threshold=3)
    assert [b.key for b in buckets] == ["DE", "FR", "GB"]


def test_only_the_pooled_bucket_is_other():
    assert Bucket(key=OTHER, values=frozenset({"FR"}), count=3).is_other
    assert not Bucket(key="FR", values=frozenset({"FR"}), count=3).is_other


def test_a_refused_group_has_no_size_and_says_how_many_responses_the_survey_has():
    too_few = group_decision({combo(): 4}, {}, threshold=5)
    assert too_few == GroupDecision(False, 0, 4, Refusal.TOO_FEW_RESPONSES)

    counts = {combo(country="GB"): 6, combo(country="FR"): 6, combo(country="DE"): 1}
    pooled = group_decision(counts, {Dimension.COUNTRY: "DE"}, threshold=5)
    assert pooled == GroupDecision(False, 0, 13, Refusal.GROUP_TOO_SMALL)

    counts = {
        combo(country="GB", role="mentee"): 10,
        combo(country="GB", role="mentor"): 1,
        combo(country="FR", role="mentor"): 6,
    }
    narrow = group_decision(counts, {Dimension.COUNTRY: "GB", Dimension.ROLE: "mentee"}, 5)
    assert narrow == GroupDecision(False, 0, 17, Refusal.COMBINATION_TOO_NARROW)


def test_an_allowed_group_counts_its_own_responses():
    counts = {combo(country="GB"): 6, combo(country="FR"): 7}
    assert group_decision(counts, {Dimension.COUNTRY: "FR"}, threshold=5) == GroupDecision(
        True, 7, 13
    )
    assert group_decision(counts, {}, threshold=5) == GroupDecision(True, 13, 13)


def test_a_combination_nobody_answered_is_an_empty_group_not_a_narrow_one():
    # Every GB respondent is a mentee and every FR one a mentor: "GB mentors" is empty, which
    # reveals nothing that "GB" and "mentors" alone do not.
    counts = {combo(country="GB", role="mentee"): 10, combo(country="FR", role="mentor"): 10}
    chosen = {Dimension.COUNTRY: "GB", Dimension.ROLE: "mentor"}
    assert group_decision(counts, chosen, threshold=5) == GroupDecision(True, 0, 20)
