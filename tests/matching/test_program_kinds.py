"""Group and advisory-board programs through the whole workflow."""

import pytest
from django_scopes import scope

from matching import services
from matching.config import config_from_json
from matching.models import MatchProposal
from mentorships.models import Mentorship
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _publish(org, cohort, django_capture_on_commit_callbacks):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        match_round = services.round_run(organization=org, round_id=match_round.pk)
        services.proposal_approve_all(organization=org, match_round=match_round, actor=None)
        services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)
        with django_capture_on_commit_callbacks():
            services.round_publish(organization=org, match_round=match_round, actor=None)
        proposals = list(MatchProposal.objects.for_org(org).filter(match_round=match_round))
        mentorships = [
            (m.mentor_id, m.seat_role, sorted(m.mentees.values_list("pk", flat=True)))
            for m in Mentorship.objects.for_org(org).filter(cohort=cohort)
        ]
    return proposals, mentorships


def test_group_program_publishes_one_mentorship_per_group(org, django_capture_on_commit_callbacks):
    cohort = CohortFactory(program=ProgramFactory(organization=org, program_type="group"))
    config = config_from_json({}).to_json()
    config["group_size"] = 3
    cohort.matching_settings = config
    cohort.save()
    mentors = [ParticipantFactory(cohort=cohort, role="mentor", seniority=4) for _ in range(2)]
    mentees = [ParticipantFactory(cohort=cohort, role="mentee", seniority=1) for _ in range(6)]

    proposals, mentorships = _publish(org, cohort, django_capture_on_commit_callbacks)

    assert len(proposals) == 6
    assert len(mentorships) == 2
    assert sorted(len(m[2]) for m in mentorships) == [3, 3]
    assert {pk for _mentor, _role, group in mentorships for pk in group} == {m.pk for m in mentees}
    assert {m[0] for m in mentorships} == {m.pk for m in mentors}


def test_advisory_board_fills_each_seat_with_a_mentor_offering_that_role(
    org, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(program=ProgramFactory(organization=org, program_type="advisory_board"))
    config = config_from_json({}).to_json()
    config["board_roles"] = ["skill", "career"]
    cohort.matching_settings = config
    cohort.save()
    skill = ParticipantFactory(
        cohort=cohort, role="mentor", board_roles=["skill"], mentor_capacity=2, country="JP"
    )
    career = ParticipantFactory(
        cohort=cohort, role="mentor", board_roles=["career"], mentor_capacity=2, country="BR"
    )
    mentees = [ParticipantFactory(cohort=cohort, role="mentee", mentors_wanted=2) for _ in range(2)]

    proposals, mentorships = _publish(org, cohort, django_capture_on_commit_callbacks)

    seats = {(p.mentee_id, p.seat_role): p.mentor_id for p in proposals}
    for mentee in mentees:
        assert seats[(mentee.pk, "skill")] == skill.pk
        assert seats[(mentee.pk, "career")] == career.pk
    assert sorted(role for _mentor, role, _mentees in mentorships) == [
        "career",
        "career",
        "skill",
        "skill",
    ]
