"""The cohort JSON format (docs/matching-format.md): strict parsing with field-named errors."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum
from typing import Any

from matching.engine.types import (
    HardRules,
    Language,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    Objective,
    PairScore,
    ProgramGoal,
    ProgramKind,
    Weights,
    WorkingHours,
)


class CohortFormatError(ValueError):
    """Bad input; the message starts with the path of the offending field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


@dataclass(frozen=True)
class Cohort:
    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    settings: MatchSettings
    pair_scores: tuple[PairScore, ...] | None = None


def _object(
    value: Any, path: str, allowed: AbstractSet[str], required: AbstractSet[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CohortFormatError(path, "expected an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise CohortFormatError(f"{path}.{unknown[0]}", "unknown field")
    for name in sorted(required):
        if name not in value:
            raise CohortFormatError(f"{path}.{name}", "required field is missing")
    return value


def _string(value: Any, path: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise CohortFormatError(path, "expected a string")
    if non_empty and not value.strip():
        raise CohortFormatError(path, "must not be empty")
    return value


def _int(value: Any, path: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CohortFormatError(path, "expected an integer")
    if minimum is not None and value < minimum:
        raise CohortFormatError(path, f"must be at least {minimum}")
    return value


def _number(value: Any, path: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CohortFormatError(path, "expected a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise CohortFormatError(path, f"must be between {low} and {high}")
    return float(value)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise CohortFormatError(path, "expected true or false")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], Any]) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise CohortFormatError(path, "expected a list")
    return tuple(item(v, f"{path}[{k}]") for k, v in enumerate(value))


def _strings(value: Any, path: str) -> tuple[str, ...]:
    return _list(value, path, _string)


def _time(value: Any, path: str) -> dt.time:
    text = _string(value, path)
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise CohortFormatError(path, "expected a time as HH:MM") from None


def _language(value: Any, path: str) -> Language:
    if isinstance(value, str):
        return Language(_string(value, path, non_empty=True))
    data = _object(value, path, {"code", "proficiency"}, {"code"})
    level = data.get("proficiency")
    if level is not None:
        level = _int(level, f"{path}.proficiency", 1)
        if level > 5:
            raise CohortFormatError(f"{path}.proficiency", "must be between 1 and 5")
    return Language(_string(data["code"], f"{path}.code", non_empty=True), level)


def _hours(value: Any, path: str) -> WorkingHours:
    data = _object(value, path, {"start", "end", "weekdays"})
    weekdays = data.get("weekdays", [0, 1, 2, 3, 4])

    def weekday(v: Any, p: str) -> int:
        day = _int(v, p, 0)
        if day > 6:
            raise CohortFormatError(p, "weekday must be 0 (Monday) to 6 (Sunday)")
        return day

    return WorkingHours(
        start=_time(data.get("start", "09:00"), f"{path}.start"),
        end=_time(data.get("end", "17:00"), f"{path}.end"),
        weekdays=_list(weekdays, f"{path}.weekdays", weekday),
    )


def _time_zone(value: Any, path: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _string(value, path, non_empty=True)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CohortFormatError(path, f"unknown IANA time zone {name!r}") from None
    return name


_COMMON = {
    "id", "name", "email", "manager_email", "languages", "time_zone", "working_hours",
    "country", "culture", "function", "seniority", "preferences",
}  # fmt: skip


def _common(data: dict[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": _string(data["id"], f"{path}.id", non_empty=True)}
    for name in ("name", "email", "manager_email", "country", "culture", "function"):
        if name in data:
            out[name] = _string(data[name], f"{path}.{name}")
    if "languages" in data:
        out["languages"] = _list(data["languages"], f"{path}.languages", _language)
    if "time_zone" in data:
        out["time_zone"] = _time_zone(data["time_zone"], f"{path}.time_zone")
    if "working_hours" in data:
        out["working_hours"] = _hours(data["working_hours"], f"{path}.working_hours")
    if "seniority" in data:
        out["seniority"] = _int(data["seniority"], f"{path}.seniority")
    if "preferences" in data:
        out["preferences"] = _strings(data["preferences"], f"{path}.preferences")
    return out


def _mentee(value: Any, path: str) -> Mentee:
    extra = {"skills_wanted", "goals", "mentors_wanted", "roles_wanted"}
    data = _object(value, path, _COMMON | extra, {"id"})
    fields = _common(data, path)
    if "skills_wanted" in data:
        fields["skills_wanted"] = _strings(data["skills_wanted"], f"{path}.skills_wanted")
    if "goals" in data:
        fields["goals"] = _string(data["goals"], f"{path}.goals")
    if "mentors_wanted" in data:
        fields["mentors_wanted"] = _int(data["mentors_wanted"], f"{path}.mentors_wanted", 0)
    if "roles_wanted" in data:
        fields["roles_wanted"] = _strings(data["roles_wanted"], f"{path}.roles_wanted")
    return Mentee(**fields)


def _mentor(value: Any, path: str) -> Mentor:
    extra = {"skills_offered", "expertise", "capacity", "roles"}
    data = _object(value, path, _COMMON | extra, {"id"})
    fields = _common(data, path)
    if "skills_offered" in data:
        fields["skills_offered"] = _strings(data["skills_offered"], f"{path}.skills_offered")
    if "expertise" in data:
        fields["expertise"] = _string(data["expertise"], f"{path}.expertise")
    if "capacity" in data:
        fields["capacity"] = _int(data["capacity"], f"{path}.capacity", 0)
    if "roles" in data:
        fields["roles"] = _strings(data["roles"], f"{path}.roles")
    return Mentor(**fields)


def _pair(value: Any, path: str) -> tuple[str, str]:
    if not (isinstance(value, list) and len(value) == 2):
        raise CohortFormatError(path, "expected [mentee id, mentor id]")
    return (_string(value[0], f"{path}[0]"), _string(value[1], f"{path}[1]"))


def _choice(value: Any, path: str, enum: type[Enum]) -> Any:
    text = _string(value, path)
    try:
        return enum(text)
    except ValueError:
        options = ", ".join(e.value for e in enum)
        raise CohortFormatError(path, f"expected one of {options}") from None


def _settings(value: Any, path: str) -> MatchSettings:
    data = _object(
        value,
        path,
        {
            "weights", "hard_rules", "forbidden_pairs", "pinned_pairs", "previous_pairs",
            "program_kind", "program_goal", "reverse_mentoring", "seniority_gap", "objective",
            "min_score", "load_balance", "group_size", "group_cohesion_weight", "board_roles",
            "round_date", "candidate_limit", "max_certification_rounds",
        },
    )  # fmt: skip
    fields: dict[str, Any] = {}
    if "weights" in data:
        names = set(Weights.__dataclass_fields__)
        weights = _object(data["weights"], f"{path}.weights", names)
        fields["weights"] = Weights(
            **{k: _number(v, f"{path}.weights.{k}", 0.0) for k, v in weights.items()}
        )
    if "hard_rules" in data:
        names = set(HardRules.__dataclass_fields__)
        rules = _object(data["hard_rules"], f"{path}.hard_rules", names)
        parsed: dict[str, Any] = {}
        for k, v in rules.items():
            if k == "min_language_proficiency":
                parsed[k] = None if v is None else _int(v, f"{path}.hard_rules.{k}", 1)
            else:
                parsed[k] = _bool(v, f"{path}.hard_rules.{k}")
        fields["hard_rules"] = HardRules(**parsed)
    for name in ("forbidden_pairs", "pinned_pairs", "previous_pairs"):
        if name in data:
            fields[name] = _list(data[name], f"{path}.{name}", _pair)
    enums = {"program_kind": ProgramKind, "program_goal": ProgramGoal, "objective": Objective}
    for name, enum in enums.items():
        if name in data:
            fields[name] = _choice(data[name], f"{path}.{name}", enum)
    for name in ("reverse_mentoring", "load_balance"):
        if name in data:
            fields[name] = _bool(data[name], f"{path}.{name}")
    if "seniority_gap" in data:
        gap = _list(data["seniority_gap"], f"{path}.seniority_gap", _int)
        if len(gap) != 2 or gap[0] > gap[1]:
            raise CohortFormatError(
                f"{path}.seniority_gap", "expected [low, high] with low <= high"
            )
        fields["seniority_gap"] = gap
    if "min_score" in data:
        fields["min_score"] = _number(data["min_score"], f"{path}.min_score", 0.0, 1.0)
    if "group_cohesion_weight" in data:
        fields["group_cohesion_weight"] = _number(
            data["group_cohesion_weight"], f"{path}.group_cohesion_weight", 0.0
        )
    for name, minimum in (
        ("group_size", 1),
        ("candidate_limit", 1),
        ("max_certification_rounds", 0),
    ):
        if name in data:
            fields[name] = _int(data[name], f"{path}.{name}", minimum)
    if "board_roles" in data:
        fields["board_roles"] = _strings(data["board_roles"], f"{path}.board_roles")
    if "round_date" in data:
        text = _string(data["round_date"], f"{path}.round_date")
        try:
            fields["round_date"] = dt.date.fromisoformat(text)
        except ValueError:
            raise CohortFormatError(f"{path}.round_date", "expected a date as YYYY-MM-DD") from None
    return MatchSettings(**fields)


def _pair_score(value: Any, path: str) -> PairScore:
    data = _object(value, path, {"mentee", "mentor", "score"}, {"mentee", "mentor", "score"})
    return PairScore(
        _string(data["mentee"], f"{path}.mentee"),
        _string(data["mentor"], f"{path}.mentor"),
        _number(data["score"], f"{path}.score", 0.0, 1.0),
    )


def _unique(people: Sequence[Mentee | Mentor], path: str) -> None:
    seen: set[str] = set()
    for k, person in enumerate(people):
        if person.id in seen:
            raise CohortFormatError(f"{path}[{k}].id", f"duplicate id {person.id!r}")
        seen.add(person.id)


def load_cohort(data: Any) -> Cohort:
    """Parse a decoded JSON document; raises CohortFormatError naming the bad field."""
    root = _object(
        data, "$", {"mentees", "mentors", "settings", "pair_scores"}, {"mentees", "mentors"}
    )
    mentees = _list(root["mentees"], "mentees", _mentee)
    mentors = _list(root["mentors"], "mentors", _mentor)
    _unique(mentees, "mentees")
    _unique(mentors, "mentors")
    settings = _settings(root.get("settings", {}), "settings")
    pair_scores = None
    if "pair_scores" in root:
        pair_scores = _list(root["pair_scores"], "pair_scores", _pair_score)
        mentee_ids = {m.id for m in mentees}
        mentor_ids = {m.id for m in mentors}
        for k, item in enumerate(pair_scores):
            if item.mentee_id not in mentee_ids:
                raise CohortFormatError(
                    f"pair_scores[{k}].mentee", f"unknown mentee {item.mentee_id!r}"
                )
            if item.mentor_id not in mentor_ids:
                raise CohortFormatError(
                    f"pair_scores[{k}].mentor", f"unknown mentor {item.mentor_id!r}"
                )
        first: dict[tuple[str, str], int] = {}
        for k, item in enumerate(pair_scores):
            pair = (item.mentee_id, item.mentor_id)
            if pair in first:
                raise CohortFormatError(
                    f"pair_scores[{k}]",
                    f"duplicate pair {pair!r} (first listed at pair_scores[{first[pair]}])",
                )
            first[pair] = k
    mentee_ids = {m.id for m in mentees}
    mentor_ids = {m.id for m in mentors}
    # Forbidden and pinned pairs are decisions about this cohort: an unknown id is a mistake.
    # Previous pairs are history and may name people who have left.
    for name in ("forbidden_pairs", "pinned_pairs"):
        for k, (mentee_id, mentor_id) in enumerate(getattr(settings, name)):
            if mentee_id not in mentee_ids:
                raise CohortFormatError(
                    f"settings.{name}[{k}][0]", f"unknown mentee id {mentee_id!r}"
                )
            if mentor_id not in mentor_ids:
                raise CohortFormatError(
                    f"settings.{name}[{k}][1]", f"unknown mentor id {mentor_id!r}"
                )
    return Cohort(mentees, mentors, settings, pair_scores)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def result_to_json(result: MatchResult) -> dict[str, Any]:
    report = result.report
    return {
        "pairs": [
            {
                "mentee": p.mentee_id,
                "mentor": p.mentor_id,
                "score": round(p.score, 6),
                "pinned": p.pinned,
                **({"role": p.role} if p.role is not None else {}),
                **({"group": p.group} if p.group is not None else {}),
                "explanation": p.explanation,
                "factors": [
                    {
                        "factor": f.factor,
                        "value": round(f.value, 6),
                        "contribution": round(f.contribution, 6),
                        "text": f.text,
                    }
                    for f in p.factors
                ],
            }
            for p in result.pairs
        ],
        "unmatched": [
            {"mentee": u.mentee_id, "slots_unfilled": u.slots_unfilled, "reason": u.reason}
            for u in result.unmatched
        ],
        "objective_value": {
            "total_score": round(result.total_score, 6),
            "matched_slots": result.matched_slots,
            "demanded_slots": result.demanded_slots,
            "min_pair_score": result.min_pair_score,
            "min_chosen_pair_score": result.min_chosen_pair_score,
        },
        "solver": {
            "objective": report.objective,
            "certified_optimal": report.certified_optimal,
            "gap": _finite(report.gap),
            "relative_gap": _finite(report.relative_gap),
            "coverage_gap": report.coverage_gap,
            "iterations": report.iterations,
            "candidate_edges": report.candidate_edges,
            "feasible_pairs": report.feasible_pairs,
            "max_coverage": report.max_coverage,
            "timings": dict(report.timings),
            "notes": list(report.notes),
        },
        "warnings": list(result.warnings),
    }
