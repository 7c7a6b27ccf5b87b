"""The round's read side from rows gives the engine exactly what the instance path gave."""

import math
from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from matching import selectors
from matching.adapters import engine_inputs, factors_json
from matching.config import config_from_json
from matching.engine import FactorContribution, match
from matching.engine.messages import Phrase
from matching.models import (
    MatchProposal,
    MatchRound,
    PairRule,
    PairRuleKind,
    PreferenceSide,
    ProposalStatus,
    StatedPreference,
)
from matching.services.rounds import _round_inputs, finite_json
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _cohort(org, people: int, *, program_type="one_to_one"):
    cohort = CohortFactory(program=ProgramFactory(organization=org, program_type=program_type))
    config = config_from_json({}).to_json()
    config["board_roles"] = ["skill", "career"] if program_type == "advisory_board" else []
    cohort.matching_settings = config
    cohort.save()
    mentors = [
        ParticipantFactory(
            cohort=cohort,
            role="mentor" if i % 3 else "both",
            mentor_capacity=2,
            seniority=4,
            skills_offered=["SQL", "python"][: 1 + i % 2],
            board_roles=["skill"] if i % 2 else [],
            languages=[{"code": "en", "proficiency": "fluent"}, {"code": "es"}],
            country=["JP", "BR", "GB"][i % 3],
        )
        for i in range(people)
    ]
    mentees = [
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            seniority=1,
            mentors_wanted=1 + i % 2,
            languages=[{"code": "EN ", "proficiency": "basic"}],
        )
        for i in range(people)
    ]
    ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")
    return cohort, mentors, mentees


def _with_rules(org, cohort, mentors, mentees):
    match_round = MatchRound.objects.create(organization=org, cohort=cohort)
    PairRule.objects.create(
        organization=org, cohort=cohort, mentee=mentees[0], mentor=mentors[0], kind=PairRuleKind.PIN
    )
    PairRule.objects.create(
        organization=org,
        cohort=cohort,
        mentee=mentees[1],
        mentor=mentors[1],
        kind=PairRuleKind.FORBID,
    )
    MatchProposal.objects.create(
        organization=org,
        match_round=match_round,
        mentee=mentees[2],
        mentor=mentors[2],
        score=0.4,
        status=ProposalStatus.APPROVED,
    )
    StatedPreference.objects.create(
        organization=org,
        cohort=cohort,
        participant=mentees[3],
        side=PreferenceSide.AS_MENTEE,
        preferred=mentors[1],
        rank=1,
    )
    StatedPreference.objects.create(
        organization=org,
        cohort=cohort,
        participant=mentors[3],
        side=PreferenceSide.AS_MENTOR,
        preferred=mentees[0],
        rank=1,
    )
    return match_round


@pytest.mark.parametrize("program_type", ["one_to_one", "advisory_board"])
def test_round_inputs_from_rows_equal_the_instance_path(org, program_type):
    cohort, mentors, mentees = _cohort(org, 6, program_type=program_type)
    match_round = _with_rules(org, cohort, mentors, mentees)

    with scope(organization=org.pk):
        inputs = selectors.round_inputs(organization=org, match_round=match_round)
        # The run's own read: Participant instances today (and a fourth value, by id).
        old_mentees, old_mentors, old_settings = _round_inputs(org, match_round)[:3]

    assert inputs.mentees == old_mentees
    assert inputs.mentors == old_mentors
    assert inputs.settings == old_settings
    assert inputs.settings.pinned_pairs and inputs.settings.forbidden_pairs


def test_engine_inputs_take_rows_or_instances_alike(org):
    cohort, mentors, mentees = _cohort(org, 4)
    with scope(organization=org.pk):
        rows = selectors.active_participant_rows(organization=org, cohort=cohort)
    by_id = {row["id"]: row for row in rows}

    from_instances = engine_inputs(mentees, mentors, slots_taken={mentees[1].pk: 1})
    from_rows = engine_inputs(
        [by_id[m.pk] for m in mentees],
        [by_id[m.pk] for m in mentors],
        slots_taken={mentees[1].pk: 1},
    )

    assert from_rows == from_instances


def test_round_inputs_take_as_many_queries_for_50_people_as_for_5(org):
    counts = []
    for people in (5, 50):
        cohort, mentors, mentees = _cohort(org, people)
        match_round = _with_rules(org, cohort, mentors, mentees)
        with scope(organization=org.pk), CaptureQueriesContext(connection) as queries:
            selectors.round_inputs(organization=org, match_round=match_round)
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_factors_json_is_what_asdict_stored(org):
    cohort, mentors, mentees = _cohort(org, 6)
    match_round = _with_rules(org, cohort, mentors, mentees)
    with scope(organization=org.pk):
        inputs = selectors.round_inputs(organization=org, match_round=match_round)
    result = match(inputs.mentees, inputs.mentors, inputs.settings)
    unusual = FactorContribution(
        "hours", math.nan, math.inf, "", Phrase("x", (("n", 2), ("items", ("a", math.nan))))
    )
    factor_lists = [pair.factors for pair in result.pairs] + [(unusual,)]

    assert any(factors for factors in factor_lists[:-1])
    for factors in factor_lists:
        assert factors_json(factors) == finite_json([asdict(f) for f in factors])
