"""Cohort settings and participants translate faithfully into the engine's inputs."""

import datetime as dt

import pytest

from matching.adapters import engine_inputs
from matching.config import config_from_json, default_config, engine_settings
from matching.engine import Objective, ProgramGoal, ProgramKind
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_config_round_trips_through_json_and_fills_missing_keys():
    config = config_from_json({"objective": "fairness", "weights": {"skills": 3.0}})

    again = config_from_json(config.to_json())

    assert again == config
    assert again.weights["skills"] == 3.0
    assert again.weights["text"] == default_config().weights["text"]
    assert again.rules == default_config().rules


@pytest.mark.parametrize(
    ("program_type", "goal", "kind", "engine_goal", "reverse"),
    [
        ("one_to_one", "cross_cultural", ProgramKind.ONE_TO_ONE, ProgramGoal.CROSS_CULTURAL, False),
        ("group", "cross_functional", ProgramKind.GROUP, ProgramGoal.CROSS_FUNCTIONAL, False),
        ("advisory_board", "leadership", ProgramKind.ADVISORY_BOARD, ProgramGoal.OTHER, False),
        ("reverse", "custom", ProgramKind.ONE_TO_ONE, ProgramGoal.OTHER, True),
    ],
)
def test_program_type_and_goal_decide_the_engine_mode(
    org, program_type, goal, kind, engine_goal, reverse
):
    cohort = CohortFactory(
        program=ProgramFactory(organization=org, program_type=program_type, goal=goal)
    )

    settings = engine_settings(cohort, config_from_json({"objective": "score_first"}))

    assert settings.program_kind == kind
    assert settings.program_goal == engine_goal
    assert settings.reverse_mentoring is reverse
    assert settings.objective == Objective.SCORE_FIRST
    assert settings.round_date == cohort.starts_on


def test_participants_become_engine_people_with_remaining_slots_and_seats(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentee = ParticipantFactory(
        cohort=cohort,
        role="mentee",
        mentors_wanted=2,
        languages=[{"code": "pt", "proficiency": "native"}, {"code": "en", "proficiency": "basic"}],
        working_hours_start=dt.time(8, 30),
        country="BR",
    )
    mentor = ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=3, board_roles=[])

    mentees, mentors = engine_inputs(
        [mentee], [mentor], slots_taken={mentee.pk: 1}, load={mentor.pk: 1}, board_roles=("skill",)
    )

    (engine_mentee,), (engine_mentor,) = mentees, mentors
    assert engine_mentee.id == str(mentee.pk) and engine_mentee.mentors_wanted == 1
    assert [(lang.code, lang.proficiency) for lang in engine_mentee.languages] == [
        ("pt", 5),
        ("en", 2),
    ]
    assert engine_mentee.working_hours.start == dt.time(8, 30)
    assert engine_mentee.country == "BR"
    assert engine_mentor.capacity == 2
    assert engine_mentor.roles == ("skill",)  # names no seat, so fills any of the program's


def test_mentees_with_every_slot_filled_are_left_out(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentee = ParticipantFactory(cohort=cohort, role="mentee", mentors_wanted=1)

    mentees, _mentors = engine_inputs([mentee], [], slots_taken={mentee.pk: 1})

    assert mentees == []
