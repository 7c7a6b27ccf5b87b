"""A published round is final: no approve, reject, approve-all, swap, review or rerun changes it,
whether the caller holds a fresh copy of the round or one read before it was published; pins
and forbids only shape later runs and leave its proposals alone."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.models import MatchProposal, MatchRound, PairRuleKind, ProposalStatus, RoundStatus
from matching.services import review
from mentorships.models import Mentorship
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

SKILLS = ["SQL", "public speaking", "negotiation"]


@pytest.fixture
def round_under_review(org, django_capture_on_commit_callbacks):
    """Three proposed pairs, two approved and one rejected, marked reviewed; not yet published."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Pairs"))
    for number, skill in enumerate(SKILLS):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name=f"Mentor {number}",
            mentor_capacity=1,
            skills_offered=[skill],
            seniority=5,
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"Mentee {number}",
            skills_wanted=[skill],
            seniority=1,
        )
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        match_round = services.round_run(organization=org, round_id=match_round.pk)
        proposals = list(selectors.proposal_list(organization=org, match_round=match_round))
        assert len(proposals) == 3
        services.proposal_decide(organization=org, proposal=proposals[0], actor=None, approve=False)
        services.proposal_approve_all(organization=org, match_round=match_round, actor=None)
        match_round = services.round_mark_reviewed(
            organization=org, match_round=match_round, actor=None
        )
    return match_round


def _publish(org, match_round, django_capture_on_commit_callbacks):
    with scope(organization=org.pk), django_capture_on_commit_callbacks():
        services.round_publish(organization=org, match_round=match_round, actor=None)


def _state(match_round):
    with scopes_disabled():
        return (
            MatchRound.objects.get(pk=match_round.pk).status,
            sorted(
                MatchProposal.objects.filter(match_round=match_round).values_list(
                    "pk", "mentee_id", "mentor_id", "status"
                )
            ),
            Mentorship.objects.filter(cohort=match_round.cohort).count(),
        )


def _proposals(org, match_round):
    with scope(organization=org.pk):
        return list(
            selectors.proposal_list(organization=org, match_round=match_round).select_related(
                "match_round", "match_round__cohort"
            )
        )


def _every_change_is_refused(org, match_round, proposals):
    rejected = next(p for p in proposals if p.status == ProposalStatus.REJECTED)
    approved = [p for p in proposals if p.status == ProposalStatus.APPROVED]
    attempts = [
        lambda: services.proposal_decide(
            organization=org, proposal=approved[0], actor=None, approve=False
        ),
        lambda: services.proposal_decide(
            organization=org, proposal=rejected, actor=None, approve=True
        ),
        lambda: services.proposal_approve_all(
            organization=org, match_round=rejected.match_round, actor=None
        ),
        lambda: services.proposal_swap(
            organization=org, first=approved[0], second=approved[1], actor=None
        ),
        lambda: review.proposals_decide_bulk(
            organization=org,
            match_round=rejected.match_round,
            actor=None,
            approve=False,
            proposal_ids=[p.pk for p in approved],
        ),
        lambda: review.proposals_decide_bulk(
            organization=org,
            match_round=rejected.match_round,
            actor=None,
            approve=True,
            filters=selectors.ProposalFilter(status=ProposalStatus.REJECTED),
        ),
        lambda: services.round_mark_reviewed(
            organization=org, match_round=rejected.match_round, actor=None
        ),
        lambda: services.round_publish(
            organization=org, match_round=rejected.match_round, actor=None
        ),
        lambda: services.round_rerun(
            organization=org, match_round=rejected.match_round, actor=None
        ),
    ]
    for number, attempt in enumerate(attempts):
        with scope(organization=org.pk), pytest.raises(DomainError):
            attempt()
        assert _state(match_round)[0] == RoundStatus.PUBLISHED, number


def test_after_publishing_every_change_to_the_round_is_refused(
    org, round_under_review, django_capture_on_commit_callbacks
):
    _publish(org, round_under_review, django_capture_on_commit_callbacks)
    before = _state(round_under_review)

    _every_change_is_refused(org, round_under_review, _proposals(org, round_under_review))

    assert before[0] == RoundStatus.PUBLISHED and before[2] == 2
    assert _state(round_under_review) == before


def test_a_copy_read_before_publishing_cannot_change_the_published_round(
    org, round_under_review, django_capture_on_commit_callbacks
):
    """The guard reads the round's status from the database, under a lock, not the caller's
    copy: a review page opened before another admin published must not change the round."""
    stale = _proposals(org, round_under_review)
    assert stale[0].match_round.status == RoundStatus.REVIEWED
    _publish(org, round_under_review, django_capture_on_commit_callbacks)
    before = _state(round_under_review)

    _every_change_is_refused(org, round_under_review, stale)

    assert _state(round_under_review) == before


def test_pin_and_forbid_leave_a_published_rounds_proposals_alone(
    org, round_under_review, django_capture_on_commit_callbacks
):
    _publish(org, round_under_review, django_capture_on_commit_callbacks)
    before = _state(round_under_review)
    proposals = _proposals(org, round_under_review)

    with scope(organization=org.pk):
        for proposal in proposals:
            for kind in (PairRuleKind.PIN, PairRuleKind.FORBID):
                services.pair_rule_set(
                    organization=org,
                    cohort=round_under_review.cohort,
                    mentee=proposal.mentee,
                    mentor=proposal.mentor,
                    kind=kind,
                    actor=None,
                )

    assert _state(round_under_review) == before


def test_after_publishing_the_review_buttons_change_nothing(
    client, org, org_admin, round_under_review, django_capture_on_commit_callbacks
):
    _publish(org, round_under_review, django_capture_on_commit_callbacks)
    before = _state(round_under_review)
    proposals = _proposals(org, round_under_review)
    approved = [p for p in proposals if p.status == ProposalStatus.APPROVED]
    login(client, org_admin)
    slug = org.slug
    round_kwargs = {"org_slug": slug, "round_id": round_under_review.pk}
    posts = [
        (reverse("matching:round_approve_all", kwargs=round_kwargs), {}),
        (reverse("matching:round_review", kwargs=round_kwargs), {}),
        (reverse("matching:round_publish", kwargs=round_kwargs), {}),
        (reverse("matching:round_rerun", kwargs=round_kwargs), {}),
        (
            reverse("matching:round_bulk", kwargs=round_kwargs),
            {"decision": "reject", "scope": "selected", "ids": [p.pk for p in approved]},
        ),
        (
            reverse("matching:round_bulk", kwargs=round_kwargs),
            {"decision": "approve", "scope": "filtered", "back": "status=rejected"},
        ),
    ]
    for proposal in proposals:
        kwargs = {"org_slug": slug, "proposal_id": proposal.pk}
        posts += [
            (reverse("matching:proposal_decide", kwargs=kwargs), {"decision": "approve"}),
            (reverse("matching:proposal_decide", kwargs=kwargs), {"decision": "reject"}),
            (reverse("matching:proposal_rule", kwargs=kwargs), {"kind": PairRuleKind.FORBID}),
        ]
    posts.append(
        (
            reverse(
                "matching:proposal_swap", kwargs={"org_slug": slug, "proposal_id": approved[0].pk}
            ),
            {"other": approved[1].pk},
        )
    )

    for url, data in posts:
        response = client.post(url, data)
        # A refusal: back to the page with a message, or the swap form with its error.
        assert response.status_code in (302, 204, 400), (url, response.status_code)
        assert _state(round_under_review) == before, url
        # Only this request's messages: earlier ones wait unread in the session.
        told = [m.level for m in get_messages(response.wsgi_request)._queued_messages]
        if "/rule/" not in url:  # a pin or forbid is a cohort rule, still accepted
            assert messages.SUCCESS not in told, url


def test_a_copy_read_while_proposed_cannot_mark_the_published_round_reviewed(
    org, round_under_review, django_capture_on_commit_callbacks
):
    """Else the round would go back to reviewed and could be published a second time."""
    with scopes_disabled():
        stale = MatchRound.objects.get(pk=round_under_review.pk)
    stale.status = RoundStatus.PROPOSED  # as read before the round was marked reviewed
    _publish(org, round_under_review, django_capture_on_commit_callbacks)
    before = _state(round_under_review)

    with scope(organization=org.pk), pytest.raises(DomainError):
        services.round_mark_reviewed(organization=org, match_round=stale, actor=None)

    assert _state(round_under_review) == before
