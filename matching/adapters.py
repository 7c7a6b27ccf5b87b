"""Participants as the engine's plain dataclasses. Ids are participant primary keys as text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from matching.engine import Language, Mentee, Mentor, WorkingHours
from participants.models import LanguageProficiency, Participant

# The engine reads proficiency as 1 to 5.
PROFICIENCY_LEVEL = {
    LanguageProficiency.BASIC: 2,
    LanguageProficiency.CONVERSATIONAL: 3,
    LanguageProficiency.FLUENT: 4,
    LanguageProficiency.NATIVE: 5,
}


def _languages(participant: Participant) -> tuple[Language, ...]:
    return tuple(
        Language(entry["code"], PROFICIENCY_LEVEL.get(entry.get("proficiency"), 3))
        for entry in participant.languages
    )


def _hours(participant: Participant) -> WorkingHours:
    return WorkingHours(start=participant.working_hours_start, end=participant.working_hours_end)


def _person(participant: Participant) -> dict[str, Any]:
    """The attributes mentees and mentors share."""
    return {
        "id": str(participant.pk),
        "name": participant.full_name,
        "email": participant.email,
        "languages": _languages(participant),
        "time_zone": participant.time_zone,
        "working_hours": _hours(participant),
        "country": str(participant.country),
        "culture": participant.cultural_background,
        "function": participant.function,
        "seniority": participant.seniority,
        "manager_email": participant.manager_email,
    }


def as_mentee(
    participant: Participant, *, slots: int | None = None, preferences: tuple[str, ...] = ()
) -> Mentee:
    return Mentee(
        **_person(participant),
        skills_wanted=tuple(participant.skills_wanted),
        goals=participant.goals,
        mentors_wanted=participant.mentors_wanted if slots is None else slots,
        preferences=preferences,
    )


def as_mentor(
    participant: Participant,
    *,
    capacity: int | None = None,
    board_roles: tuple[str, ...] = (),
    preferences: tuple[str, ...] = (),
) -> Mentor:
    return Mentor(
        **_person(participant),
        skills_offered=tuple(participant.skills_offered),
        expertise=participant.goals,
        capacity=participant.mentor_capacity if capacity is None else capacity,
        # A mentor who names no seat can fill any of the program's seats.
        roles=tuple(participant.board_roles) or board_roles,
        preferences=preferences,
    )


def engine_inputs(
    mentees: Iterable[Participant],
    mentors: Iterable[Participant],
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
    engine_mentees = [
        as_mentee(
            p,
            slots=p.mentors_wanted - slots_taken.get(p.pk, 0),
            preferences=tuple(str(mentor_id) for mentor_id in preferences.get(p.pk, ())),
        )
        for p in mentees
        if p.mentors_wanted - slots_taken.get(p.pk, 0) > 0
    ]
    engine_mentors = [
        as_mentor(
            p,
            capacity=max(p.mentor_capacity - load.get(p.pk, 0), 0),
            board_roles=board_roles,
            preferences=tuple(str(mentee_id) for mentee_id in mentor_preferences.get(p.pk, ())),
        )
        for p in mentors
    ]
    return engine_mentees, engine_mentors
