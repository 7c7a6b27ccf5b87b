"""A decision in flight and a publish of the same round never both succeed: the decision holds
the round's row lock from its status check to its commit, so the publish waits, then finds the
round reopened for review and refuses."""

import threading

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.models import MatchProposal, MatchRound, ProposalStatus, RoundStatus
from matching.services import review
from tests.factories import CohortFactory, OrganizationFactory, ParticipantFactory, ProgramFactory

SKILLS = ["SQL", "public speaking"]


def _reviewed_round():
    organization = OrganizationFactory(slug="race")
    cohort = CohortFactory(program=ProgramFactory(organization=organization, name="Race"))
    for number, skill in enumerate(SKILLS):
        ParticipantFactory(
            cohort=cohort, role="mentor", mentor_capacity=1, skills_offered=[skill], seniority=5
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"Mentee {number}",
            skills_wanted=[skill],
            seniority=1,
        )
    with scope(organization=organization.pk):
        match_round = services.round_start(organization=organization, cohort=cohort, actor=None)
        match_round = services.round_run(organization=organization, round_id=match_round.pk)
        services.proposal_approve_all(
            organization=organization, match_round=match_round, actor=None
        )
        match_round = services.round_mark_reviewed(
            organization=organization, match_round=match_round, actor=None
        )
    return organization, match_round


@pytest.mark.django_db(transaction=True)
def test_a_publish_waits_for_a_decision_in_flight_and_then_refuses(monkeypatch):
    """The decision stops right after its status check until the publish has finished or two
    seconds pass. Without the lock the publish finishes first and the decision then changes a
    published round; with it the publish waits on the lock and the two seconds run out."""
    organization, match_round = _reviewed_round()
    checked, published = threading.Event(), threading.Event()
    editable = review._editable

    def checked_then_held(*args, **kwargs):
        editable(*args, **kwargs)
        checked.set()
        published.wait(timeout=2)

    monkeypatch.setattr(review, "_editable", checked_then_held)
    outcomes: dict[str, object] = {}

    def run(name, action):
        try:
            with scope(organization=organization.pk):
                outcomes[name] = action()
        except DomainError as error:
            outcomes[name] = error
        finally:
            if name == "publish":
                published.set()
            connection.close()

    def decide():
        proposal = selectors.proposal_list(organization=organization, match_round=match_round)[0]
        return services.proposal_decide(
            organization=organization, proposal=proposal, actor=None, approve=False
        )

    def publish():
        return services.round_publish(
            organization=organization, match_round=match_round, actor=None
        )

    decider = threading.Thread(target=run, args=("decide", decide))
    decider.start()
    assert checked.wait(timeout=30)
    publisher = threading.Thread(target=run, args=("publish", publish))
    publisher.start()
    for thread in (decider, publisher):
        thread.join(timeout=60)

    assert isinstance(outcomes["publish"], DomainError), outcomes
    assert outcomes["decide"].status == ProposalStatus.REJECTED
    with scopes_disabled():
        assert MatchRound.objects.get(pk=match_round.pk).status == RoundStatus.PROPOSED
        assert MatchProposal.objects.filter(status=ProposalStatus.REJECTED).count() == 1
