"""Frozen dataclasses that go in and come out of the matching engine.

Collections are stored as tuples so every value is immutable and hashable; constructors
accept any iterable (lists from JSON, sets from callers) and convert them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matching.engine.messages import Phrase


def _as_tuple(value: Iterable[Any] | None) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _freeze(instance: object, **values: Any) -> None:
    for name, value in values.items():
        object.__setattr__(instance, name, value)


class Objective(StrEnum):
    PARTICIPATION_FIRST = "participation_first"
    SCORE_FIRST = "score_first"
    FAIRNESS = "fairness"
    STABLE = "stable"


class ProgramGoal(StrEnum):
    CROSS_CULTURAL = "cross_cultural"
    CROSS_FUNCTIONAL = "cross_functional"
    OTHER = "other"


class ProgramKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"
    ADVISORY_BOARD = "advisory_board"


@dataclass(frozen=True)
class Language:
    """A language code (``en``, ``pt-BR``) with an optional proficiency from 1 to 5."""

    code: str
    proficiency: int | None = None

    def __post_init__(self) -> None:
        _freeze(self, code=self.code.strip().lower())


@dataclass(frozen=True)
class WorkingHours:
    """Local working window, the same on every listed weekday (Monday is 0)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)

    def __post_init__(self) -> None:
        _freeze(self, weekdays=tuple(sorted(set(_as_tuple(self.weekdays)))))


def _languages(value: Iterable[Language | str] | None) -> tuple[Language, ...]:
    return tuple(
        item if isinstance(item, Language) else Language(item) for item in _as_tuple(value)
    )


@dataclass(frozen=True)
class Mentee:
    id: str
    skills_wanted: tuple[str, ...] = ()
    goals: str = ""
    languages: tuple[Language, ...] = ()
    time_zone: str = "UTC"
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    country: str = ""
    culture: str = ""
    function: str = ""
    seniority: int = 0
    manager_email: str = ""
    email: str = ""
    mentors_wanted: int = 1
    preferences: tuple[str, ...] = ()
    roles_wanted: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        _freeze(
            self,
            skills_wanted=_as_tuple(self.skills_wanted),
            languages=_languages(self.languages),
            preferences=_as_tuple(self.preferences),
            roles_wanted=_as_tuple(self.roles_wanted),
        )


@dataclass(frozen=True)
class Mentor:
    id: str
    skills_offered: tuple[str, ...] = ()
    expertise: str = ""
    languages: tuple[Language, ...] = ()
    time_zone: str = "UTC"
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    country: str = ""
    culture: str = ""
    function: str = ""
    seniority: int = 0
    manager_email: str = ""
    email: str = ""
    capacity: int = 1
    preferences: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        _freeze(
            self,
            skills_offered=_as_tuple(self.skills_offered),
            languages=_languages(self.languages),
            preferences=_as_tuple(self.preferences),
            roles=_as_tuple(self.roles),
        )


@dataclass(frozen=True)
class Weights:
    """Relative importance of each factor; the score divides by the sum of active weights."""

    text: float = 1.0
    skills: float = 1.0
    language: float = 0.5
    hours: float = 1.0
    seniority: float = 0.5
    diversity: float = 0.5
    preferences: float = 1.0


@dataclass(frozen=True)
class HardRules:
    shared_language: bool = True
    reporting_line: bool = True
    same_manager: bool = False
    rotate_mentors: bool = False
    min_language_proficiency: int | None = None


@dataclass(frozen=True)
class PairScore:
    """An organization's own score for a pair, used instead of the attribute factors."""

    mentee_id: str
    mentor_id: str
    score: float


@dataclass(frozen=True)
class MatchSettings:
    weights: Weights = field(default_factory=Weights)
    hard_rules: HardRules = field(default_factory=HardRules)
    forbidden_pairs: tuple[tuple[str, str], ...] = ()
    pinned_pairs: tuple[tuple[str, str], ...] = ()
    previous_pairs: tuple[tuple[str, str], ...] = ()
    program_kind: ProgramKind = ProgramKind.ONE_TO_ONE
    program_goal: ProgramGoal = ProgramGoal.OTHER
    reverse_mentoring: bool = False
    seniority_gap: tuple[int, int] = (1, 3)
    objective: Objective = Objective.PARTICIPATION_FIRST
    min_score: float = 0.0
    load_balance: bool = False
    group_size: int = 5
    group_cohesion_weight: float = 0.5
    board_roles: tuple[str, ...] = ()
    round_date: dt.date | None = None
    candidate_limit: int = 20
    max_certification_rounds: int = 8

    def __post_init__(self) -> None:
        _freeze(
            self,
            forbidden_pairs=tuple(tuple(p) for p in _as_tuple(self.forbidden_pairs)),
            pinned_pairs=tuple(tuple(p) for p in _as_tuple(self.pinned_pairs)),
            previous_pairs=tuple(tuple(p) for p in _as_tuple(self.previous_pairs)),
            board_roles=_as_tuple(self.board_roles),
            seniority_gap=tuple(self.seniority_gap),
            objective=Objective(self.objective),
            program_goal=ProgramGoal(self.program_goal),
            program_kind=ProgramKind(self.program_kind),
        )
        if self.candidate_limit < 1:
            raise ValueError("candidate_limit must be at least 1")
        low, high = self.seniority_gap
        if low > high:
            raise ValueError("seniority_gap must be (low, high) with low <= high")


@dataclass(frozen=True)
class FactorContribution:
    """One factor of one pair: raw value in [0, 1], share of the final score, and words.

    ``text`` is English; ``phrase`` carries the same sentence as a message key and parameters
    (see ``messages.py``) for applications that show it in another language.
    """

    factor: str
    value: float
    contribution: float
    text: str
    phrase: Phrase | None = None


@dataclass(frozen=True)
class MatchedPair:
    mentee_id: str
    mentor_id: str
    score: float
    factors: tuple[FactorContribution, ...] = ()
    pinned: bool = False
    role: str | None = None
    group: int | None = None

    @property
    def explanation(self) -> str:
        return "; ".join(f.text for f in self.factors if f.text)


@dataclass(frozen=True)
class Unmatched:
    mentee_id: str
    slots_unfilled: int
    reason: str
    phrase: Phrase | None = None


@dataclass(frozen=True)
class SolverReport:
    objective: str
    certified_optimal: bool
    gap: float
    relative_gap: float
    coverage_gap: int
    iterations: int
    candidate_edges: int
    feasible_pairs: int
    max_coverage: int | None
    timings: tuple[tuple[str, float], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """``min_pair_score`` is the worst score of every pair, pinned ones included;
    ``min_chosen_pair_score`` leaves pinned pairs out: the worst pair the engine chose
    itself, which is what the fairness objective maximises (None when it chose none)."""

    pairs: tuple[MatchedPair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: float
    matched_slots: int
    demanded_slots: int
    min_pair_score: float | None
    report: SolverReport
    warnings: tuple[str, ...] = ()
    min_chosen_pair_score: float | None = None
