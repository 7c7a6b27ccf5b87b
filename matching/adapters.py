"""Participants as the engine's plain dataclasses. Ids are participant primary keys as text.

The adapters take Participant instances or rows of `ENGINE_FIELDS` from `.values()`: a round
reads a whole cohort, and rows skip building a model instance per participant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matching.engine import FactorContribution, Language, Mentee, Mentor, WorkingHours
from participants.models import LanguageProficiency, Participant, ParticipantRole

# The engine reads proficiency as 1 to 5.
PROFICIENCY_LEVEL: dict[str | None, int] = {
    LanguageProficiency.BASIC: 2,
    LanguageProficiency.CONVERSATIONAL: 3,
    LanguageProficiency.FLUENT: 4,
    LanguageProficiency.NATIVE: 5,
}

# What the engine reads of a participant, for `.values(*ENGINE_FIELDS)`.
ENGINE_FIELDS = (
    "id",
    "role",
    "full_name",
    "email",
    "languages",
    "time_zone",
    "working_hours_start",
    "working_hours_end",
    "country",
    "cultural_background",
    "function",
    "seniority",
    "manager_email",
    "skills_wanted",
    "skills_offered",
    "goals",
    "mentors_wanted",
    "mentor_capacity",
    "board_roles",
)
MENTEE_ROLES = frozenset({ParticipantRole.MENTEE, ParticipantRole.BOTH})
MENTOR_ROLES = frozenset({ParticipantRole.MENTOR, ParticipantRole.BOTH})

Row = Mapping[str, Any]


def participant_row(participant: Participant | Row) -> Row:
    """A participant as a row of `ENGINE_FIELDS` (rows pass through)."""
    if isinstance(participant, Mapping):
        return participant
    row = {name: getattr(participant, name) for name in ENGINE_FIELDS}
    # The model's country is a Country object; rows from .values() hold its code.
    row["country"] = str(participant.country)
    return row


class _Shared:
    """Equal languages and working hours become one frozen value each: thousands of people
    share a handful, and building each once halves the cost of reading a cohort."""

    def __init__(self) -> None:
        self._languages: dict[tuple, tuple[Language, ...]] = {}
        self._hours: dict[tuple[dt.time, dt.time], WorkingHours] = {}

    def languages(self, entries: Sequence[Mapping[str, Any]]) -> tuple[Language, ...]:
        key = tuple((entry["code"], entry.get("proficiency")) for entry in entries)
        languages = self._languages.get(key)
        if languages is None:
            languages = tuple(
                Language(code, PROFICIENCY_LEVEL.get(proficiency, 3)) for code, proficiency in key
            )
            self._languages[key] = languages
        return languages

    def hours(self, start: dt.time, end: dt.time) -> WorkingHours:
        hours = self._hours.get((start, end))
        if hours is None:
            hours = self._hours[(start, end)] = WorkingHours(start=start, end=end)
        return hours

    def person(self, row: Row) -> dict[str, Any]:
        """The attributes mentees and mentors share."""
        return {
            "id": str(row["id"]),
            "name": row["full_name"],
            "email": row["email"],
            "languages": self.languages(row["languages"]),
            "time_zone": row["time_zone"],
            "working_hours": self.hours(row["working_hours_start"], row["working_hours_end"]),
            "country": row["country"],
            "culture": row["cultural_background"],
            "function": row["function"],
            "seniority": row["seniority"],
            "manager_email": row["manager_email"],
        }

    def mentee(
        self, row: Row, *, slots: int | None = None, preferences: tuple[str, ...] = ()
    ) -> Mentee:
        return Mentee(
            **self.person(row),
            skills_wanted=tuple(row["skills_wanted"]),
            goals=row["goals"],
            mentors_wanted=row["mentors_wanted"] if slots is None else slots,
            preferences=preferences,
        )

    def mentor(
        self,
        row: Row,
        *,
        capacity: int | None = None,
        board_roles: tuple[str, ...] = (),
        preferences: tuple[str, ...] = (),
    ) -> Mentor:
        return Mentor(
            **self.person(row),
            skills_offered=tuple(row["skills_offered"]),
            expertise=row["goals"],
            capacity=row["mentor_capacity"] if capacity is None else capacity,
            # A mentor who names no seat can fill any of the program's seats.
            roles=tuple(row["board_roles"]) or board_roles,
            preferences=preferences,
        )


def as_mentee(
    participant: Participant | Row, *, slots: int | None = None, preferences: tuple[str, ...] = ()
) -> Mentee:
    return _Shared().mentee(participant_row(participant), slots=slots, preferences=preferences)


def as_mentor(
    participant: Participant | Row,
    *,
    capacity: int | None = None,
    board_roles: tuple[str, ...] = (),
    preferences: tuple[str, ...] = (),
) -> Mentor:
    return _Shared().mentor(
        participant_row(participant),
        capacity=capacity,
        board_roles=board_roles,
        preferences=preferences,
    )


def engine_inputs(
    mentees: Iterable[Participant | Row],
    mentors: Iterable[Participant | Row],
    *,
    slots_taken: dict[int, int] | None = None,
    load: dict[int, int] | None = None,
    board_roles: tuple[str, ...] = (),
    preferences: dict[int, list[int]] | None = None,
    mentor_preferences: dict[int, list[int]] | None = None,
) -> tuple[list[Mentee], list[Mentor]]:
    """`slots_taken`/`load` subtract existing mentorships (newcomer rounds, self-match);
    `preferences` are mentees' ranked mentor ids, `mentor_preferences` mentors' ranked
    mentee ids."""
    slots_taken = slots_taken or {}
    load = load or {}
    preferences = preferences or {}
    mentor_preferences = mentor_preferences or {}
    shared = _Shared()
    engine_mentees = []
    for row in map(participant_row, mentees):
        pk = row["id"]
        slots = row["mentors_wanted"] - slots_taken.get(pk, 0)
        if slots > 0:
            ranked = preferences.get(pk, ())
            engine_mentees.append(
                shared.mentee(row, slots=slots, preferences=tuple(map(str, ranked)))
            )
    engine_mentors = [
        shared.mentor(
            row,
            capacity=max(row["mentor_capacity"] - load.get(row["id"], 0), 0),
            board_roles=board_roles,
            preferences=tuple(map(str, mentor_preferences.get(row["id"], ()))),
        )
        for row in map(participant_row, mentors)
    ]
    return engine_mentees, engine_mentors


# Values JSON takes as they are; checked first, since nearly every value is one of them.
_PLAIN = frozenset({str, int, bool, type(None)})


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity (PostgreSQL rejects them): unknown figures become null."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def factors_json(factors: Iterable[FactorContribution]) -> list[dict[str, Any]]:
    """A pair's factors as stored on its proposal: what `finite_json([asdict(f) …])` gives,
    written out field by field (dataclasses.asdict deep-copies every value: five times the
    cost at 10,000 pairs)."""
    stored = []
    for factor in factors:
        phrase = factor.phrase
        stored.append(
            {
                "factor": factor.factor,
                "value": _finite(factor.value),
                "contribution": _finite(factor.contribution),
                "text": factor.text,
                "phrase": None
                if phrase is None
                else {
                    "key": phrase.key,
                    "params": [[name, _finite(value)] for name, value in phrase.params],
                },
            }
        )
    return stored
