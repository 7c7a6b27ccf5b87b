"""The statistics of the fairness audit, with no Django: counts in, a gap with its interval and
p-value out (docs/fairness.md explains each choice in words).

- A rate (matched, held a check-in) of one group against everyone else: the difference of the
  two proportions with Newcombe's hybrid score interval (his method 10, built from two Wilson
  intervals, which stays inside [-1, 1] and behaves with small or extreme counts) and Fisher's
  exact test on the 2x2 table (exact at any size, unlike the chi-square approximation).
- A mean (days to match, match score, rating): Welch's t-test and its interval from the two
  groups' sizes, sums and sums of squares, so the database sends three numbers per group and
  never the rows.
- Across all groups of one attribute: Pearson's chi-square test of independence (is the rate
  the same in every group?), and Holm's step-down adjustment of the per-group p-values, which
  keeps the chance of any false flag in an attribute at or below 5 %.
- Groups smaller than the anonymity threshold are folded into "Other" (`fold_groups`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
# A gap is flagged when its p-value, adjusted for the number of groups compared, is below this.
ALPHA = 0.05

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Gap:
    """One group against everyone else: `group - rest`, its interval and the test's p-value."""

    group: float
    rest: float
    difference: float
    low: float
    high: float
    p_value: float


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def wilson_interval(
    successes: int, n: int, *, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson's score interval for a proportion (Newcombe 1998, method 3)."""
    if n <= 0:
        raise ValueError("a proportion of nobody has no interval")
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    z = _z(confidence)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return (centre - spread) / scale, (centre + spread) / scale


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """The interval of `x1/n1 - x2/n2` by Newcombe's hybrid score method (1998, method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    low1, high1 = wilson_interval(x1, n1, confidence=confidence)
    low2, high2 = wilson_interval(x2, n2, confidence=confidence)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return low, high


def fisher_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test on [[x1, n1 - x1], [x2, n2 - x2]]."""
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    result = stats.fisher_exact(table, alternative="two-sided")
    return min(1.0, float(result.pvalue))


def proportion_gap(x1: int, n1: int, x2: int, n2: int, *, confidence: float = CONFIDENCE) -> Gap:
    """A group's rate (`x1` of `n1`) against the rest's (`x2` of `n2`)."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both sides need at least one person")
    low, high = newcombe_interval(x1, n1, x2, n2, confidence=confidence)
    return Gap(
        group=x1 / n1,
        rest=x2 / n2,
        difference=x1 / n1 - x2 / n2,
        low=low,
        high=high,
        p_value=fisher_p(x1, n1, x2, n2),
    )


@dataclass(frozen=True)
class Summary:
    """A sample told by its size, sum and sum of squares: what a SQL aggregate returns, and
    enough for a mean, a variance and "everyone else" by subtraction."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(len(values), float(sum(values)), float(sum(v * v for v in values)))

    def __add__(self, other: Summary) -> Summary:
        return Summary(self.n + other.n, self.total + other.total, self.squares + other.squares)

    def __sub__(self, other: Summary) -> Summary:
        return Summary(self.n - other.n, self.total - other.total, self.squares - other.squares)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1 in the denominator); never below 0 from rounding."""
        if self.n < 2:
            return None
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


def mean_gap(group: Summary, rest: Summary, *, confidence: float = CONFIDENCE) -> Gap:
    """A group's mean against the rest's: Welch's t-test and the Welch-Satterthwaite
    interval of the difference. Both sides need two values at least."""
    if group.n < 2 or rest.n < 2:
        raise ValueError("Welch's test needs two values on each side")
    mean1, mean2 = group.mean or 0.0, rest.mean or 0.0
    var1, var2 = group.variance or 0.0, rest.variance or 0.0
    difference = mean1 - mean2
    se2 = var1 / group.n + var2 / rest.n
    if se2 == 0:
        # Every value on both sides is the same: the gap is certain, whatever it is.
        p_value = 1.0 if difference == 0 else 0.0
        return Gap(mean1, mean2, difference, difference, difference, p_value)
    se = math.sqrt(se2)
    dof = se2**2 / ((var1 / group.n) ** 2 / (group.n - 1) + (var2 / rest.n) ** 2 / (rest.n - 1))
    t = difference / se
    p_value = float(2 * stats.t.sf(abs(t), dof))
    half = float(stats.t.ppf(1 - (1 - confidence) / 2, dof)) * se
    return Gap(mean1, mean2, difference, difference - half, difference + half, min(1.0, p_value))


def welch_t(group: Summary, rest: Summary) -> tuple[float, float]:
    """Welch's t statistic and its degrees of freedom (what a worked example reports)."""
    var1, var2 = group.variance or 0.0, rest.variance or 0.0
    se2 = var1 / group.n + var2 / rest.n
    dof = se2**2 / ((var1 / group.n) ** 2 / (group.n - 1) + (var2 / rest.n) ** 2 / (rest.n - 1))
    return ((group.mean or 0.0) - (rest.mean or 0.0)) / math.sqrt(se2), dof


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    dof: int
    p_value: float


def chi_square_independence(table: Sequence[Sequence[int]]) -> ChiSquare | None:
    """Pearson's chi-square test that the rows (groups) share one rate; without Yates'
    correction, which is over-cautious. None when the table has a row or column of zeros
    (there is nothing to test: e.g. everyone was matched)."""
    rows = [list(row) for row in table if sum(row) > 0]
    if len(rows) < 2 or any(sum(column) == 0 for column in zip(*rows, strict=True)):
        return None
    result = stats.chi2_contingency(rows, correction=False)
    return ChiSquare(float(result.statistic), int(result.dof), float(result.pvalue))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the smallest p-value times m, the next times m - 1, …,
    each at least the one before, none above 1; in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class Folding(Generic[Key]):
    """How an attribute's groups are shown: each group in `shown` on its own row, the groups
    in `other` together on an "Other" row; `suppressed` when the whole population is below
    the threshold (nothing is shown)."""

    shown: list[Key]
    other: list[Key] = field(default_factory=list)
    suppressed: bool = False


def fold_groups(
    counts: Mapping[Key, int],
    threshold: int,
    *,
    wider: Sequence[Mapping[Key, int]] = (),
) -> Folding[Key]:
    """Which groups stand alone and which are folded into "Other", so that no figure stands
    for fewer than `threshold` people, even by subtraction:

    - a group under the threshold is folded;
    - so is a group whose count differs from its count in a wider scope (`wider`: the same
      attribute over the program or organization around this cohort) by 1 to threshold - 1
      people, since the two pages together would single those people out;
    - when "Other" would still be under the threshold, or differ so from the same groups in a
      wider scope, the smallest remaining groups join it (rather than hiding "Other": the
      total minus the shown groups would reveal it);
    - when everyone together is under the threshold, or differs so from a wider scope's
      total, nothing is shown.
    """
    present = {key: n for key, n in counts.items() if n > 0}

    def unsafe(n: int, wider_counts: Sequence[int]) -> bool:
        return n < threshold or any(0 < w - n < threshold for w in wider_counts)

    total = sum(present.values())
    if unsafe(total, [sum(scope.values()) for scope in wider]):
        return Folding(shown=[], other=[], suppressed=True)

    def alone(key: Key) -> bool:
        return not unsafe(present[key], [scope.get(key, 0) for scope in wider])

    def other_unsafe(keys: list[Key]) -> bool:
        n = sum(present[key] for key in keys)
        return bool(keys) and unsafe(n, [sum(scope.get(k, 0) for k in keys) for scope in wider])

    shown = sorted((key for key in present if alone(key)), key=lambda k: -present[k])
    other = [key for key in present if key not in shown]
    while other_unsafe(other) and shown:
        other.append(shown.pop())
    if other_unsafe(other):
        return Folding(shown=[], other=[], suppressed=True)
    return Folding(shown=shown, other=other)
