"""People who withdrew from a cohort are out of its matching: no proposal and no unmatched entry
names them, even when a pin or an earlier approval names them."""

import pytest
from django.db.models import Q
from django_scopes import scope, scopes_disabled

from matching import services
from matching.models import MatchProposal, PairRuleKind, UnmatchedMentee
from participants.services import participant_withdraw
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_with_leavers(org):
    """Two mentors and three mentees who fit them; the best-fitting mentor and mentee leave."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Leavers"))

    def person(role, name, skill):
        skills = {"skills_offered": [skill]} if role == "mentor" else {"skills_wanted": [skill]}
        return ParticipantFactory(
            cohort=cohort,
            role=role,
            full_name=name,
            mentor_capacity=2,
            seniority=5 if role == "mentor" else 1,
            **skills,
        )

    stays = [person("mentor", "Mina", "SQL"), person("mentee", "Ana", "SQL")]
    stays += [person("mentor", "Omar", "python"), person("mentee", "Ben", "python")]
    leaving_mentor = person("mentor", "Walt", "SQL")
    leaving_mentee = person("mentee", "Wendy", "SQL")
    with scope(organization=org.pk):
        # A pin to each leaver: a rule made before they left must not bring them back.
        for mentee, mentor in ((leaving_mentee, stays[0]), (stays[1], leaving_mentor)):
            services.pair_rule_set(
                organization=org,
                cohort=cohort,
                mentee=mentee,
                mentor=mentor,
                kind=PairRuleKind.PIN,
                actor=None,
            )
    return cohort, [leaving_mentee, leaving_mentor]


def _withdraw(org, people):
    with scope(organization=org.pk):
        for person in people:
            participant_withdraw(organization=org, participant=person, actor=None)


def _run(org, cohort, django_capture_on_commit_callbacks):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        return services.round_run(organization=org, round_id=match_round.pk)


def _named(match_round, people):
    ids = [p.pk for p in people]
    with scopes_disabled():
        proposals = MatchProposal.objects.filter(match_round=match_round)
        return (
            list(proposals.filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids))),
            list(UnmatchedMentee.objects.filter(match_round=match_round, mentee_id__in=ids)),
            proposals.count(),
        )


def test_a_round_never_names_people_who_withdrew(
    org, cohort_with_leavers, django_capture_on_commit_callbacks
):
    cohort, leavers = cohort_with_leavers
    _withdraw(org, leavers)

    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    proposals, unmatched, total = _named(match_round, leavers)
    assert (proposals, unmatched) == ([], [])
    assert total == 2  # the people who stayed are matched


def test_a_rerun_drops_an_approved_pair_whose_mentee_withdrew(
    org, cohort_with_leavers, django_capture_on_commit_callbacks
):
    """An approved pair is kept on rerun as a pin; not once its mentee has left."""
    cohort, _leavers = cohort_with_leavers
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        services.proposal_approve_all(organization=org, match_round=match_round, actor=None)
        leaver = MatchProposal.objects.for_org(org).filter(match_round=match_round).first().mentee
    _withdraw(org, [leaver])

    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            services.round_rerun(organization=org, match_round=match_round, actor=None)
        match_round = services.round_run(organization=org, round_id=match_round.pk)

    proposals, unmatched, total = _named(match_round, [leaver])
    assert (proposals, unmatched) == ([], [])
    assert total >= 2
