"""A cohort's matching configuration: what admins choose, stored in Cohort.matching_settings,
and its translation into the engine's MatchSettings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from matching.engine import HardRules, MatchSettings, Objective, Weights
from matching.engine import ProgramGoal as EngineGoal
from matching.engine import ProgramKind as EngineKind
from programs.models import Cohort, ProgramGoal, ProgramType

WEIGHT_NAMES = tuple(Weights.__dataclass_fields__)
RULE_NAMES = ("shared_language", "reporting_line", "same_manager", "rotate_mentors")
# How many people a participant may rank for a round the program team runs.
MAX_STATED_PREFERENCES = 5


@dataclass(frozen=True)
class SelfMatchConfig:
    enabled: bool = False
    require_approval: bool = False
    response_days: int = 5
    max_choices: int = 3


@dataclass(frozen=True)
class CohortMatchingConfig:
    weights: dict[str, float]
    rules: dict[str, bool]
    objective: str = Objective.PARTICIPATION_FIRST.value
    min_score: float = 0.0
    load_balance: bool = False
    seniority_gap: tuple[int, int] = (1, 3)
    group_size: int = 5
    board_roles: tuple[str, ...] = ("skill", "career", "culture")
    schedule: str = "off"  # "off" or "weekly": rolling enrollment, newcomers only
    self_match: SelfMatchConfig = SelfMatchConfig()

    @property
    def collects_preferences(self) -> bool:
        """Participants are asked to rank the other side only when a round will read it, and
        not where mentees choose for themselves (their requests are their ranking)."""
        if self.self_match.enabled:
            return False
        return self.objective == Objective.STABLE.value or float(self.weights["preferences"]) > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "rules": dict(self.rules),
            "objective": self.objective,
            "min_score": self.min_score,
            "load_balance": self.load_balance,
            "seniority_gap": list(self.seniority_gap),
            "group_size": self.group_size,
            "board_roles": list(self.board_roles),
            "schedule": self.schedule,
            "self_match": {
                "enabled": self.self_match.enabled,
                "require_approval": self.self_match.require_approval,
                "response_days": self.self_match.response_days,
                "max_choices": self.self_match.max_choices,
            },
        }


def default_config() -> CohortMatchingConfig:
    weights = Weights()
    rules = HardRules()
    return CohortMatchingConfig(
        weights={name: float(getattr(weights, name)) for name in WEIGHT_NAMES},
        rules={name: bool(getattr(rules, name)) for name in RULE_NAMES},
    )


def config_from_json(data: dict[str, Any] | None) -> CohortMatchingConfig:
    """Tolerant reader: missing keys fall back to the defaults, so old cohorts keep working."""
    default = default_config()
    data = data or {}
    self_match = data.get("self_match") or {}
    return CohortMatchingConfig(
        weights={**default.weights, **(data.get("weights") or {})},
        rules={**default.rules, **(data.get("rules") or {})},
        objective=data.get("objective", default.objective),
        min_score=float(data.get("min_score", default.min_score)),
        load_balance=bool(data.get("load_balance", default.load_balance)),
        seniority_gap=tuple(data.get("seniority_gap", default.seniority_gap)),
        group_size=int(data.get("group_size", default.group_size)),
        board_roles=tuple(data.get("board_roles", default.board_roles)),
        schedule=data.get("schedule", default.schedule),
        self_match=SelfMatchConfig(
            enabled=bool(self_match.get("enabled", False)),
            require_approval=bool(self_match.get("require_approval", False)),
            response_days=int(self_match.get("response_days", 5)),
            max_choices=int(self_match.get("max_choices", 3)),
        ),
    )


# Keyed by the stored value (a str), which the choices' members equal.
_KIND: dict[str, EngineKind] = {
    ProgramType.GROUP: EngineKind.GROUP,
    ProgramType.ADVISORY_BOARD: EngineKind.ADVISORY_BOARD,
}
_GOAL: dict[str, EngineGoal] = {
    ProgramGoal.CROSS_CULTURAL: EngineGoal.CROSS_CULTURAL,
    ProgramGoal.CROSS_FUNCTIONAL: EngineGoal.CROSS_FUNCTIONAL,
}


def engine_settings(
    cohort: Cohort,
    config: CohortMatchingConfig,
    *,
    pinned: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
    previous: Iterable[tuple[str, str]] = (),
    round_date: dt.date | None = None,
) -> MatchSettings:
    program = cohort.program
    kind = _KIND.get(program.program_type, EngineKind.ONE_TO_ONE)
    low, high = config.seniority_gap
    return MatchSettings(
        weights=Weights(**{name: float(config.weights[name]) for name in WEIGHT_NAMES}),
        hard_rules=HardRules(**{name: bool(config.rules[name]) for name in RULE_NAMES}),
        forbidden_pairs=tuple(forbidden),
        pinned_pairs=tuple(pinned),
        previous_pairs=tuple(previous),
        program_kind=kind,
        program_goal=_GOAL.get(program.goal, EngineGoal.OTHER),
        reverse_mentoring=program.program_type == ProgramType.REVERSE,
        seniority_gap=(low, high),
        objective=Objective(config.objective),
        min_score=config.min_score,
        load_balance=config.load_balance,
        group_size=config.group_size,
        board_roles=config.board_roles if kind == EngineKind.ADVISORY_BOARD else (),
        round_date=round_date or cohort.starts_on,
    )
