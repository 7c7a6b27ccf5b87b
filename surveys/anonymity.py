"""Which groups of an anonymous survey's respondents may be shown: the threshold rule.

Plain Python over counts, so the rule can be read and tested on its own. The results selector
asks the database once for the number of responses per combination of respondent attributes
(`AttributeCounts`) and decides here, before any answer is read, whether a filtered view may
be shown.

The rule (docs/surveys.md, "Anonymity"):

1. Nothing is shown until the survey has `threshold` responses.
2. Each filter's values are pooled into buckets of at least `threshold` responses: a value with
   fewer joins "Other", and when "Other" is still too small the smallest values join it too. A
   filter whose responses all fall in one bucket is not offered (it could only narrow to
   everyone).
3. A view filtered on some attributes is shown only if every non-empty cell of the survey's
   responses crossed by those attributes (bucketed) holds at least `threshold` responses.

Rule 3 is what stops differencing. Any two views an attacker can ask for with the same
filters are unions of those cells, so their difference is a union of cells too: never one
person. It covers the simple cases by construction: a filtered group's complement within the
survey (all responses minus the group) and a group narrowed by one more filter (the group minus
the narrower one) are both unions of cells, hence empty or at least `threshold`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

# The organization's setting may not go lower: below 3, "someone in this group of two said…"
# names the other one to each of them.
MINIMUM_THRESHOLD = 3
OTHER = "_other"


class Dimension(StrEnum):
    """What results can be filtered by: the respondent's attributes at the time they answered."""

    COHORT = "cohort"
    ROLE = "role"
    COUNTRY = "country"
    FUNCTION = "function"
    SENIORITY = "seniority"


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)

# Responses per combination of attribute values, in `DIMENSIONS` order, values as text.
AttributeCounts = Mapping[tuple[str, ...], int]


class Refusal(StrEnum):
    TOO_FEW_RESPONSES = "too_few_responses"
    GROUP_TOO_SMALL = "group_too_small"
    COMBINATION_TOO_NARROW = "combination_too_narrow"


@dataclass(frozen=True)
class Bucket:
    """One choice of a filter: a single value, or "Other" pooling several small ones."""

    key: str
    values: frozenset[str]
    count: int

    @property
    def is_other(self) -> bool:
        return self.key == OTHER


@dataclass(frozen=True)
class GroupDecision:
    """Whether the chosen group may be shown, its size, and why not when it may not."""

    allowed: bool
    size: int
    total: int
    refusal: Refusal | None = None


def effective_threshold(configured: int | None) -> int:
    """The organization's threshold, never below the minimum."""
    return max(configured or 0, MINIMUM_THRESHOLD)


def buckets_for(value_counts: Mapping[str, int], threshold: int) -> list[Bucket]:
    """The filter's choices: values with at least `threshold` responses stand alone, the rest
    are pooled in "Other", grown from the smallest values until it is large enough. An empty
    list when the filter cannot split the responses into two shown groups."""
    present = {value: count for value, count in value_counts.items() if count > 0}
    large = sorted(
        ((value, count) for value, count in present.items() if count >= threshold),
        key=lambda item: (-item[1], item[0]),
    )
    pooled = {value for value, count in present.items() if count < threshold}
    pooled_count = sum(present[value] for value in pooled)
    while pooled and pooled_count < threshold and large:
        value, count = large.pop()  # the smallest of the large ones
        pooled.add(value)
        pooled_count += count
    buckets = [Bucket(key=value, values=frozenset({value}), count=count) for value, count in large]
    if pooled:
        buckets.append(Bucket(key=OTHER, values=frozenset(pooled), count=pooled_count))
    return buckets if len(buckets) > 1 else []


def dimension_buckets(counts: AttributeCounts, threshold: int) -> dict[Dimension, list[Bucket]]:
    """Every dimension's choices, from the survey's attribute counts."""
    result: dict[Dimension, list[Bucket]] = {}
    for index, dimension in enumerate(DIMENSIONS):
        per_value: Counter[str] = Counter()
        for combination, count in counts.items():
            per_value[combination[index]] += count
        result[dimension] = buckets_for(per_value, threshold)
    return result


def bucket_of(buckets: Sequence[Bucket], value: str) -> str | None:
    for bucket in buckets:
        if value in bucket.values:
            return bucket.key
    return None


def group_decision(
    counts: AttributeCounts,
    chosen: Mapping[Dimension, str],
    threshold: int,
    buckets: Mapping[Dimension, Sequence[Bucket]] | None = None,
) -> GroupDecision:
    """May the group of responses whose attributes fall in the `chosen` buckets be shown?"""
    total = sum(counts.values())
    if total < threshold:
        return GroupDecision(False, 0, total, Refusal.TOO_FEW_RESPONSES)
    if not chosen:
        return GroupDecision(True, total, total)
    buckets = buckets if buckets is not None else dimension_buckets(counts, threshold)
    for dimension, key in chosen.items():
        if key not in {bucket.key for bucket in buckets[dimension]}:
            # A value pooled in "Other", or unknown: asking for it alone would be asking for a
            # group smaller than the threshold.
            return GroupDecision(False, 0, total, Refusal.GROUP_TOO_SMALL)
    dimensions = list(chosen)
    indexes = [DIMENSIONS.index(dimension) for dimension in dimensions]
    cells: Counter[tuple[str | None, ...]] = Counter()
    for combination, count in counts.items():
        cell = tuple(
            bucket_of(buckets[dimension], combination[index])
            for dimension, index in zip(dimensions, indexes, strict=True)
        )
        cells[cell] += count
    if any(0 < count < threshold for count in cells.values()):
        return GroupDecision(False, 0, total, Refusal.COMBINATION_TOO_NARROW)
    size = cells.get(tuple(chosen[dimension] for dimension in dimensions), 0)
    return GroupDecision(True, size, total)


def values_in(
    chosen: Mapping[Dimension, str], buckets: Mapping[Dimension, Sequence[Bucket]]
) -> dict[Dimension, frozenset[str]]:
    """The raw attribute values each chosen bucket stands for (what the query filters on)."""
    values: dict[Dimension, frozenset[str]] = {}
    for dimension, key in chosen.items():
        for bucket in buckets[dimension]:
            if bucket.key == key:
                values[dimension] = bucket.values
    return values
