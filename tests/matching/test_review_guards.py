"""The review services change exactly what they name, refuse what they must, and leave every
other round, proposal and rule alone. Written for the mutants `scripts/mutate` found alive in
`matching/services/review.py` (docs/testing.md)."""

import pytest
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.models import (
    MatchProposal,
    MatchRound,
    PairRule,
    PairRuleKind,
    ProposalStatus,
    RoundStatus,
)
from organizations.models import AuditLogEntry
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

SKILLS = ["SQL", "public speaking", "negotiation"]


def _proposed_round(organization, name, capture):
    cohort = CohortFactory(program=ProgramFactory(organization=organization, name=name))
    for number, skill in enumerate(SKILLS):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name=f"{name} mentor {number}",
            mentor_capacity=1,
            skills_offered=[skill],
            seniority=5,
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"{name} mentee {number}",
            skills_wanted=[skill],
            seniority=1,
        )
    with scope(organization=organization.pk):
        with capture():
            match_round = services.round_start(organization=organization, cohort=cohort, actor=None)
        return services.round_run(organization=organization, round_id=match_round.pk)


@pytest.fixture
def rounds(org, django_capture_on_commit_callbacks):
    """Two cohorts of the organization, each with a proposed round of three pairs."""
    return [
        _proposed_round(org, name, django_capture_on_commit_callbacks)
        for name in ("First", "Second")
    ]


@pytest.fixture
def foreign_round(other_org, django_capture_on_commit_callbacks):
    return _proposed_round(other_org, "Foreign", django_capture_on_commit_callbacks)


def _proposals(match_round):
    with scopes_disabled():
        return list(
            MatchProposal.objects.filter(match_round=match_round)
            .select_related("match_round", "match_round__cohort", "mentee", "mentor")
            .order_by("id")
        )


def _statuses(match_round):
    return [p.status for p in _proposals(match_round)]


def _round_status(match_round):
    with scopes_disabled():
        return MatchRound.objects.get(pk=match_round.pk).status


def _decide_all(org, match_round, approve=True):
    with scope(organization=org.pk):
        for proposal in _proposals(match_round):
            services.proposal_decide(
                organization=org, proposal=proposal, actor=None, approve=approve
            )


def _reviewed(org, match_round):
    _decide_all(org, match_round)
    with scope(organization=org.pk):
        return services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)


# --- Tenancy: a service given another organization's row refuses it, scope or no scope ------


def test_review_services_refuse_another_organizations_round(org, foreign_round):
    foreign = _proposals(foreign_round)
    before = _statuses(foreign_round)

    with scopes_disabled():
        for attempt in (
            lambda: services.proposal_decide(
                organization=org, proposal=foreign[0], actor=None, approve=True
            ),
            lambda: services.proposal_approve_all(
                organization=org, match_round=foreign_round, actor=None
            ),
            lambda: services.proposal_swap(
                organization=org, first=foreign[0], second=foreign[1], actor=None
            ),
        ):
            with pytest.raises(DomainError):
                attempt()
        with pytest.raises(DomainError) as refused:
            services.pair_rule_set(
                organization=org,
                cohort=foreign_round.cohort,
                mentee=foreign[0].mentee,
                mentor=foreign[0].mentor,
                kind=PairRuleKind.FORBID,
                actor=None,
            )

    assert refused.value.code == "not_found"
    assert _statuses(foreign_round) == before
    with scopes_disabled():
        assert not PairRule.objects.exists()


# --- Each change touches its own round only -------------------------------------------------


def test_the_editable_check_reads_the_round_it_is_given(org, rounds):
    published, open_round = rounds
    _reviewed(org, published)
    with scope(organization=org.pk):
        services.round_publish(organization=org, match_round=published, actor=None)

    with scope(organization=org.pk):
        with pytest.raises(DomainError):
            services.proposal_decide(
                organization=org, proposal=_proposals(published)[0], actor=None, approve=False
            )
        services.proposal_decide(
            organization=org, proposal=_proposals(open_round)[0], actor=None, approve=False
        )

    assert _statuses(open_round)[0] == ProposalStatus.REJECTED


def test_approve_all_approves_only_its_own_rounds_proposals(org, rounds):
    first, second = rounds

    with scope(organization=org.pk):
        approved = services.proposal_approve_all(organization=org, match_round=first, actor=None)

    assert approved == 3
    assert _statuses(first) == [ProposalStatus.APPROVED] * 3
    assert _statuses(second) == [ProposalStatus.PROPOSED] * 3


def test_a_decision_after_review_reopens_only_that_round(org, rounds):
    first, second = rounds
    _reviewed(org, first)
    _reviewed(org, second)

    with scope(organization=org.pk):
        services.proposal_decide(
            organization=org, proposal=_proposals(first)[0], actor=None, approve=False
        )

    assert _round_status(first) == RoundStatus.PROPOSED
    assert _round_status(second) == RoundStatus.REVIEWED


# --- Marking reviewed -----------------------------------------------------------------------


def test_marking_reviewed_needs_every_proposal_decided_and_one_approved(org, rounds):
    first, second = rounds
    proposals = _proposals(first)
    with scope(organization=org.pk):
        services.proposal_decide(organization=org, proposal=proposals[0], actor=None, approve=True)
        with pytest.raises(DomainError, match="undecided"):
            services.round_mark_reviewed(organization=org, match_round=first, actor=None)
        for proposal in proposals:
            services.proposal_decide(organization=org, proposal=proposal, actor=None, approve=False)
        with pytest.raises(DomainError, match="at least one"):
            services.round_mark_reviewed(organization=org, match_round=first, actor=None)
        services.proposal_decide(organization=org, proposal=proposals[1], actor=None, approve=True)
        reviewed = services.round_mark_reviewed(organization=org, match_round=first, actor=None)

    assert reviewed.status == RoundStatus.REVIEWED
    assert _round_status(first) == RoundStatus.REVIEWED
    assert _round_status(second) == RoundStatus.PROPOSED


def test_a_reviewed_round_cannot_be_marked_reviewed_again(org, rounds):
    first, _second = rounds
    reviewed = _reviewed(org, first)

    with scope(organization=org.pk), pytest.raises(DomainError, match="Only a proposed round"):
        services.round_mark_reviewed(organization=org, match_round=reviewed, actor=None)


# --- Swapping -------------------------------------------------------------------------------


def test_a_swap_replaces_both_proposals_reopens_review_and_is_audited(org, rounds):
    first, _second = rounds
    _reviewed(org, first)
    ana, ben, carl = _proposals(first)

    with scope(organization=org.pk):
        new_first, new_second = services.proposal_swap(
            organization=org, first=ana, second=ben, actor=None
        )

    pairs = {(p.mentee_id, p.mentor_id, p.status, p.manual) for p in _proposals(first)}
    assert pairs == {
        (ana.mentee_id, ben.mentor_id, ProposalStatus.APPROVED, True),
        (ben.mentee_id, ana.mentor_id, ProposalStatus.APPROVED, True),
        (carl.mentee_id, carl.mentor_id, ProposalStatus.APPROVED, False),
    }
    assert {new_first.pk, new_second.pk} <= {p.pk for p in _proposals(first)}
    assert _round_status(first) == RoundStatus.PROPOSED
    with scopes_disabled():
        assert AuditLogEntry.objects.filter(action="proposal.swap", target=str(first.pk)).exists()


def test_a_swap_is_refused_across_rounds_with_itself_or_with_a_shared_person(org, rounds):
    first, second = rounds
    ana, ben, _carl = _proposals(first)
    other_round = _proposals(second)[0]
    with scopes_disabled():
        # A fourth pair in the round that shares Ana's mentee.
        shares_mentee = MatchProposal.objects.create(
            organization=org,
            match_round=first,
            mentee=ana.mentee,
            mentor=ben.mentor,
            score=0.1,
        )
    before = sorted(_statuses(first)), sorted(_statuses(second))

    for one, two in ((ana, other_round), (ana, ana), (ana, shares_mentee)):
        with scope(organization=org.pk), pytest.raises(DomainError):
            services.proposal_swap(organization=org, first=one, second=two, actor=None)

    assert (sorted(_statuses(first)), sorted(_statuses(second))) == before


def test_a_swap_is_refused_when_a_new_pair_is_already_proposed(org, rounds):
    first, _second = rounds
    ana, ben, carl = _proposals(first)
    with scopes_disabled():
        # Ana's mentee with Ben's mentor is already proposed (alongside Ana's own pair).
        MatchProposal.objects.create(
            organization=org, match_round=first, mentee=ana.mentee, mentor=ben.mentor, score=0.1
        )
        MatchProposal.objects.create(
            organization=org, match_round=first, mentee=carl.mentee, mentor=ana.mentor, score=0.1
        )
    count = len(_proposals(first))

    # Either new pair may be the one already there: Ana with Ben's mentor, or Carl with Ana's.
    for one, two in ((ana, ben), (ana, carl)):
        with scope(organization=org.pk), pytest.raises(DomainError, match="already proposed"):
            services.proposal_swap(organization=org, first=one, second=two, actor=None)

    assert len(_proposals(first)) == count


# --- Pair rules -----------------------------------------------------------------------------


def test_forbidding_a_pair_rejects_only_that_proposal_and_is_audited(org, rounds):
    first, second = rounds
    target, ben, _carl = _proposals(first)
    with scopes_disabled():
        # The forbidden pair's mentee and mentor each have another proposal, which stays.
        for mentee, mentor in ((target.mentee, ben.mentor), (ben.mentee, target.mentor)):
            MatchProposal.objects.create(
                organization=org, match_round=first, mentee=mentee, mentor=mentor, score=0.1
            )

    with scope(organization=org.pk):
        services.pair_rule_set(
            organization=org,
            cohort=first.cohort,
            mentee=target.mentee,
            mentor=target.mentor,
            kind=PairRuleKind.FORBID,
            actor=None,
        )

    assert _statuses(first) == [ProposalStatus.REJECTED] + [ProposalStatus.PROPOSED] * 4
    assert _statuses(second) == [ProposalStatus.PROPOSED] * 3
    with scopes_disabled():
        assert AuditLogEntry.objects.filter(action="pair.forbid").count() == 1


def test_pinning_a_pair_rejects_nothing(org, rounds):
    first, _second = rounds
    target = _proposals(first)[0]

    with scope(organization=org.pk):
        rule = services.pair_rule_set(
            organization=org,
            cohort=first.cohort,
            mentee=target.mentee,
            mentor=target.mentor,
            kind=PairRuleKind.PIN,
            actor=None,
        )

    assert rule.kind == PairRuleKind.PIN
    assert _statuses(first) == [ProposalStatus.PROPOSED] * 3


def test_a_rule_needs_both_people_in_the_cohort(org, rounds):
    first, second = rounds
    here, there = _proposals(first)[0], _proposals(second)[0]

    for mentee, mentor in ((there.mentee, here.mentor), (here.mentee, there.mentor)):
        with scope(organization=org.pk), pytest.raises(DomainError, match="in this cohort"):
            services.pair_rule_set(
                organization=org,
                cohort=first.cohort,
                mentee=mentee,
                mentor=mentor,
                kind=PairRuleKind.PIN,
                actor=None,
            )

    with scopes_disabled():
        assert not PairRule.objects.exists()


def test_deleting_a_rule_deletes_only_that_rule(org, rounds):
    first, _second = rounds
    proposals = _proposals(first)
    with scope(organization=org.pk):
        rules = [
            services.pair_rule_set(
                organization=org,
                cohort=first.cohort,
                mentee=p.mentee,
                mentor=p.mentor,
                kind=PairRuleKind.PIN,
                actor=None,
            )
            for p in proposals[:2]
        ]
        services.pair_rule_delete(organization=org, rule=rules[0], actor=None)
        left = list(selectors.pair_rule_list(organization=org, cohort=first.cohort))

    assert left == [rules[1]]


def test_a_pair_proposed_in_another_round_does_not_block_a_swap(org, rounds):
    first, _second = rounds
    ana, ben, _carl = _proposals(first)
    with scopes_disabled():
        earlier = MatchRound.objects.create(
            organization=org, cohort=first.cohort, status=RoundStatus.PUBLISHED
        )
        MatchProposal.objects.create(
            organization=org, match_round=earlier, mentee=ana.mentee, mentor=ben.mentor, score=0.1
        )

    with scope(organization=org.pk):
        services.proposal_swap(organization=org, first=ana, second=ben, actor=None)

    assert (ana.mentee_id, ben.mentor_id) in {(p.mentee_id, p.mentor_id) for p in _proposals(first)}
