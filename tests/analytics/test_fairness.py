"""The fairness audit's statistics (analytics/fairness.py), checked against published worked
examples rather than against scipy called again, and its folding of small groups."""

import pytest

from analytics.fairness import (
    Summary,
    chi_square_independence,
    fisher_p,
    fold_groups,
    holm,
    mean_gap,
    newcombe_interval,
    proportion_gap,
    welch_t,
    wilson_interval,
)


def test_fisher_exact_gives_the_lady_tasting_tea_p_value():
    # Fisher (1935): 3 of 4 milk-first cups named right, 1 of 4 tea-first cups named as
    # milk-first. Two-sided p = 34/70 = 0.4857.
    assert fisher_p(3, 4, 1, 4) == pytest.approx(34 / 70, abs=1e-4)


def test_chi_square_of_a_textbook_two_by_two_table():
    # Expected 25 in each cell: chi2 = 4 * (5^2 / 25) = 4.0 on 1 degree of freedom, p = 0.0455.
    result = chi_square_independence([[20, 30], [30, 20]])

    assert result is not None
    assert result.statistic == pytest.approx(4.0)
    assert result.dof == 1
    assert result.p_value == pytest.approx(0.0455, abs=1e-4)


def test_chi_square_has_nothing_to_test_when_everyone_shares_one_outcome():
    assert chi_square_independence([[5, 0], [7, 0]]) is None


def test_wilson_interval_matches_newcombes_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)

    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)


def test_newcombe_interval_of_a_difference_matches_his_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, method 10: 56/70 - 48/80 = 0.2,
    # interval 0.0524 to 0.3339.
    low, high = newcombe_interval(56, 70, 48, 80)

    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)


def test_a_proportion_gap_is_the_group_rate_minus_the_rest():
    gap = proportion_gap(56, 70, 48, 80)

    assert gap.group == pytest.approx(0.8)
    assert gap.rest == pytest.approx(0.6)
    assert gap.difference == pytest.approx(0.2)
    assert gap.low < gap.difference < gap.high


def test_welch_test_matches_the_textbook_example():
    # Welch's t-test, worked example 1 on Wikipedia: t = -2.46, df = 25.0, p = 0.021.
    a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]

    t, dof = welch_t(Summary.of(a), Summary.of(b))
    gap = mean_gap(Summary.of(a), Summary.of(b))

    assert t == pytest.approx(-2.46, abs=0.005)
    assert dof == pytest.approx(25.0, abs=0.05)
    assert gap.p_value == pytest.approx(0.021, abs=0.0005)
    assert gap.difference == pytest.approx(20.82 - 22.9867, abs=1e-3)
    assert gap.low < gap.difference < gap.high < 0


def test_everyone_else_is_the_total_minus_the_group():
    everyone = Summary.of([1, 2, 3, 4, 10])
    group = Summary.of([1, 10])

    rest = everyone - group

    assert rest == Summary.of([2, 3, 4])
    assert rest.mean == pytest.approx(3)
    assert rest.variance == pytest.approx(1)


def test_identical_values_on_both_sides_are_no_gap():
    gap = mean_gap(Summary.of([3, 3]), Summary.of([3, 3, 3]))

    assert gap.difference == 0
    assert gap.p_value == 1


def test_holm_adjustment_by_hand():
    # Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> kept at 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_never_exceeds_one():
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])


def test_groups_under_the_threshold_are_folded_into_other():
    folding = fold_groups({"Sales": 12, "Legal": 3, "Finance": 4, "Engineering": 7}, 5)

    assert folding.shown == ["Sales", "Engineering"]
    assert sorted(folding.other) == ["Finance", "Legal"]
    assert not folding.suppressed


def test_an_other_group_under_the_threshold_takes_in_the_smallest_shown_group():
    # Hiding a lone "Other" of 2 would not hide it: the total minus the shown groups is 2.
    folding = fold_groups({"Sales": 12, "Engineering": 7, "Legal": 2}, 5)

    assert folding.shown == ["Sales"]
    assert sorted(folding.other) == ["Engineering", "Legal"]


def test_everyone_under_the_threshold_is_suppressed():
    folding = fold_groups({"Sales": 2, "Legal": 2}, 5)

    assert folding.suppressed
    assert folding.shown == []


def test_a_group_differing_from_the_wider_scope_by_a_few_people_is_folded():
    # The program shows Sales 7 and Legal 10; this cohort alone would show Sales 6 and Legal 6:
    # one Sales person and four Legal people of the other cohorts would be singled out by
    # subtraction. Together in "Other" they differ from the program's by 5, which is allowed.
    folding = fold_groups(
        {"Sales": 6, "Engineering": 8, "Legal": 6},
        5,
        wider=[{"Sales": 7, "Engineering": 8, "Legal": 10}],
    )

    assert folding.shown == ["Engineering"]
    assert sorted(folding.other) == ["Legal", "Sales"]


def test_a_scope_whose_total_differs_from_the_wider_one_by_a_few_people_shows_nothing():
    # Program 15, cohort 14: the cohort's figures subtracted from the program's describe one
    # person, whatever the groups.
    folding = fold_groups({"Sales": 6, "Engineering": 8}, 5, wider=[{"Sales": 7, "Engineering": 8}])

    assert folding.suppressed


def test_a_group_equal_to_the_wider_scope_or_far_from_it_stands_alone():
    folding = fold_groups(
        {"Sales": 6, "Engineering": 8}, 5, wider=[{"Sales": 6, "Engineering": 20}]
    )

    assert folding.shown == ["Engineering", "Sales"]
