"""How many mentees each hard rule leaves without any candidate: the settings page's preview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from matching.engine.features import INFEASIBLE, encode, score_block
from matching.engine.types import HardRules, MatchSettings, Mentee, Mentor

# Rows scored at a time: bounds memory at BLOCK_ROWS x mentors float32 scores.
BLOCK_ROWS = 2048
RULES = ("shared_language", "reporting_line", "same_manager", "rotate_mentors")


@dataclass(frozen=True)
class RuleImpact:
    mentees: int
    mentors: int
    without_candidate: int  # with every chosen rule (and forbidden pairs and min score) applied
    by_rule: tuple[tuple[str, int], ...]  # each rule alone: mentees it leaves with no candidate


def _count_without_candidate(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], settings: MatchSettings
) -> int:
    if not mentees:
        return 0
    open_mentors = np.array([m.capacity > 0 for m in mentors], dtype=bool)
    if not open_mentors.any():
        return len(mentees)
    enc = encode(mentees, mentors, settings)
    without = 0
    for start in range(0, len(mentees), BLOCK_ROWS):
        scores, _counts = score_block(enc, slice(start, start + BLOCK_ROWS))
        usable = (scores > INFEASIBLE) & (scores >= settings.min_score) & open_mentors[None, :]
        without += int((~usable.any(axis=1)).sum())
    return without


def rule_impact(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], settings: MatchSettings
) -> RuleImpact:
    """Counts mentees with no feasible mentor, overall and per rule taken alone.

    "Alone" means only that rule is on (a person is never their own mentor either way), so an
    admin sees which rule is the one that strands people.
    """
    nothing = HardRules(**dict.fromkeys(RULES, False))
    bare = replace(settings, hard_rules=nothing, forbidden_pairs=(), min_score=0.0)
    by_rule: list[tuple[str, int]] = []
    for name in RULES:
        if getattr(settings.hard_rules, name):
            alone = replace(bare, hard_rules=replace(nothing, **{name: True}))
            by_rule.append((name, _count_without_candidate(mentees, mentors, alone)))
    if settings.forbidden_pairs:
        alone = replace(bare, forbidden_pairs=settings.forbidden_pairs)
        by_rule.append(("forbidden_pairs", _count_without_candidate(mentees, mentors, alone)))
    if settings.min_score > 0:
        alone = replace(bare, min_score=settings.min_score)
        by_rule.append(("min_score", _count_without_candidate(mentees, mentors, alone)))
    return RuleImpact(
        mentees=len(mentees),
        mentors=len(mentors),
        without_candidate=_count_without_candidate(mentees, mentors, settings),
        by_rule=tuple(by_rule),
    )
