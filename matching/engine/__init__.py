"""Meridian's matching engine: exact, explainable mentor-mentee matching in pure Python.

Public API (everything else is internal)::

    match(mentees, mentors, settings=None, pair_scores=None) -> MatchResult
    greedy_match(mentees, mentors, settings=None, pair_scores=None) -> MatchResult
    explain(mentees, mentors, pairs, settings=None, pair_scores=None) -> tuple[MatchedPair, ...]
    weekly_overlap_hours(time_zone_a, hours_a, time_zone_b, hours_b, round_date) -> float
    load_cohort(data) -> Cohort;  result_to_json(result) -> dict   (the JSON format)

Inputs are the frozen dataclasses ``Mentee``, ``Mentor``, ``MatchSettings`` (with ``Weights``,
``HardRules``, ``Objective``, ``ProgramGoal``, ``ProgramKind``) and optionally ``PairScore``;
``match`` returns a ``MatchResult`` with ``MatchedPair`` (score and ``FactorContribution``
per factor), ``Unmatched`` (with the reason) and a ``SolverReport`` (certificate, gap,
timings). ``docs/matching-format.md`` documents the JSON format and the method.
"""

from matching.engine.engine import explain, greedy_match, match
from matching.engine.hours import weekly_overlap_hours
from matching.engine.jsonio import Cohort, CohortFormatError, load_cohort, result_to_json
from matching.engine.types import (
    FactorContribution,
    HardRules,
    Language,
    MatchedPair,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    Objective,
    PairScore,
    ProgramGoal,
    ProgramKind,
    SolverReport,
    Unmatched,
    Weights,
    WorkingHours,
)

__all__ = [
    "Cohort",
    "CohortFormatError",
    "FactorContribution",
    "HardRules",
    "Language",
    "MatchResult",
    "MatchSettings",
    "MatchedPair",
    "Mentee",
    "Mentor",
    "Objective",
    "PairScore",
    "ProgramGoal",
    "ProgramKind",
    "SolverReport",
    "Unmatched",
    "Weights",
    "WorkingHours",
    "explain",
    "greedy_match",
    "load_cohort",
    "match",
    "result_to_json",
    "weekly_overlap_hours",
]
