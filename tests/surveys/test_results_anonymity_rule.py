"""The threshold rule of anonymous results, on counts alone (no database)."""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.anonymity import (
    DIMENSIONS,
    OTHER,
    Dimension,
    Refusal,
    buckets_for,
    dimension_buckets,
    effective_threshold,
    group_decision,
    values_in,
)


def combo(cohort="1", role="mentee", country="GB", function="Sales", seniority="2"):
    return (cohort, role, country, function, seniority)


def test_the_threshold_never_goes_below_three():
    assert effective_threshold(1) == 3
    assert effective_threshold(None) == 3
    assert effective_threshold(7) == 7


def test_small_values_are_pooled_in_other_and_other_grows_until_it_is_large_enough():
    buckets = buckets_for({"GB": 10, "FR": 6, "DE": 2, "ES": 1}, threshold=5)
    # DE and ES (3) are too few together: the smallest large value, FR, joins them.
    assert [(b.key, set(b.values), b.count) for b in buckets] == [
        ("GB", {"GB"}, 10),
        (OTHER, {"FR", "DE", "ES"}, 9),
    ]


def test_a_filter_that_cannot_split_the_responses_in_two_shown_groups_is_not_offered():
    assert buckets_for({"GB": 12}, threshold=5) == []
    assert buckets_for({"GB": 6, "FR": 2}, threshold=5) == []


def test_nothing_is_shown_before_the_survey_has_threshold_responses():
    decision = group_decision({combo(): 4}, {}, threshold=5)
    assert (decision.allowed, decision.refusal) == (False, Refusal.TOO_FEW_RESPONSES)
    assert group_decision({combo(): 5}, {}, threshold=5).allowed


def test_asking_for_a_value_pooled_in_other_is_refused():
    counts = {combo(country="GB"): 6, combo(country="FR"): 6, combo(country="DE"): 1}
    decision = group_decision(counts, {Dimension.COUNTRY: "DE"}, threshold=5)
    assert (decision.allowed, decision.refusal) == (False, Refusal.GROUP_TOO_SMALL)


def test_one_person_cannot_be_isolated_by_combining_two_filters():
    # Ten mentees in GB, one mentor in GB, six mentors in FR: country and role each pass alone.
    counts = {
        combo(country="GB", role="mentee"): 10,
        combo(country="GB", role="mentor"): 1,
        combo(country="FR", role="mentor"): 6,
    }
    assert group_decision(counts, {Dimension.COUNTRY: "GB"}, 5).allowed
    assert group_decision(counts, {Dimension.ROLE: "mentee"}, 5).allowed
    refused = group_decision(counts, {Dimension.COUNTRY: "GB", Dimension.ROLE: "mentee"}, 5)
    # GB mentees (10) is large, but GB (11) minus it is the one GB mentor: refused.
    assert (refused.allowed, refused.refusal) == (False, Refusal.COMBINATION_TOO_NARROW)


def test_a_group_whose_complement_is_one_person_is_refused():
    # Everyone is in GB but one person in FR: "GB" would be "everyone but the FR person".
    counts = {combo(country="GB"): 9, combo(country="FR"): 1}
    decision = group_decision(counts, {Dimension.COUNTRY: "GB"}, threshold=5)
    assert not decision.allowed


def test_values_in_gives_the_raw_values_a_bucket_stands_for():
    counts = {combo(country="GB"): 6, combo(country="FR"): 3, combo(country="DE"): 3}
    buckets = dimension_buckets(counts, 5)
    assert values_in({Dimension.COUNTRY: OTHER}, buckets) == {
        Dimension.COUNTRY: frozenset({"FR", "DE"})
    }


VALUES = {
    "cohort": ["1", "2"],
    "role": ["mentee", "mentor"],
    "country": ["GB", "FR", "BR"],
    "function": ["Sales", "Ops"],
    "seniority": ["1", "3"],
}


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(*(st.sampled_from(VALUES[d.value]) for d in DIMENSIONS)),
        st.integers(min_value=1, max_value=8),
        min_size=1,
        max_size=14,
    ),
    st.integers(min_value=3, max_value=6),
)
def test_no_shown_group_nor_difference_of_two_nested_shown_groups_is_a_small_group(
    counts, threshold
):
    """Every view an attacker can ask for, and every difference of a view and a wider one."""
    buckets = dimension_buckets(counts, threshold)
    options = [[None, *(b.key for b in buckets[d])] for d in DIMENSIONS]
    shown = {}
    for choice in itertools.product(*options):
        chosen = {d: key for d, key in zip(DIMENSIONS, choice, strict=True) if key is not None}
        decision = group_decision(counts, chosen, threshold, buckets)
        if decision.allowed:
            members = _members(counts, chosen, buckets)
            assert sum(members.values()) == decision.size
            assert decision.size == 0 or decision.size >= threshold
            shown[choice] = members
    for wide, narrow in itertools.permutations(shown, 2):
        if all(w is None or w == n for w, n in zip(wide, narrow, strict=True)):
            difference = sum((shown[wide] - shown[narrow]).values())
            assert difference == 0 or difference >= threshold, (wide, narrow)


def _members(counts, chosen, buckets) -> Counter:
    values = values_in(chosen, buckets)
    return Counter(
        {
            combination: count
            for combination, count in counts.items()
            if all(combination[DIMENSIONS.index(d)] in values[d] for d in chosen)
        }
    )
