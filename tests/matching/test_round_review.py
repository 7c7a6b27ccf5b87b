"""The round review at scale: bulk decisions (the selected or all that match), filters, pages,
counters swapped in place, who may see it, and queries that do not grow with the pairs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching.models import MatchProposal, MatchRound, ProposalStatus, RoundStatus
from matching.selectors import ProposalFilter
from matching.services import review
from participants.models import Participant
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _factor(name: str, contribution: float) -> dict:
    return {"factor": name, "value": contribution, "contribution": contribution, "text": name}


def review_round(organization, pairs: int, *, status=RoundStatus.PROPOSED) -> MatchRound:
    """A round with `pairs` proposals scored 0.00, 0.01, …; even ones matched on skills.

    Written in bulk, so a browser test can have a thousand pairs in a second."""
    cohort = CohortFactory(program=ProgramFactory(organization=organization))
    with scopes_disabled():
        match_round = MatchRound.objects.create(
            organization=organization,
            cohort=cohort,
            status=status,
            matched_slots=pairs,
            demanded_slots=pairs + 1,
            total_score=1.0,
            greedy_total_score=0.9,
            greedy_matched_slots=pairs,
            solver_report={"objective": "participation_first", "certified_optimal": True},
        )
        people = Participant.objects.bulk_create(
            ParticipantFactory.build(
                cohort=cohort,
                organization=organization,
                role=role,
                full_name=f"{role.capitalize()} {number:04d}",
                email=f"{role}.{number}.{match_round.pk}@example.com",
            )
            for number in range(pairs)
            for role in ("mentee", "mentor")
        )
        MatchProposal.objects.bulk_create(
            MatchProposal(
                organization=organization,
                match_round=match_round,
                mentee=mentee,
                mentor=mentor,
                score=(number % 100) / 100,
                factors=[
                    _factor("skills", 0.3 if number % 2 == 0 else 0.0),
                    _factor("hours", 0.2),
                    _factor("language", 0.1),
                ],
            )
            for number, (mentee, mentor) in enumerate(zip(people[::2], people[1::2], strict=True))
        )
    return match_round


def _statuses(match_round) -> dict[int, str]:
    with scopes_disabled():
        return dict(
            MatchProposal.objects.filter(match_round=match_round).values_list("pk", "status")
        )


# Services


def test_bulk_approve_changes_exactly_the_selected_pairs(org):
    match_round = review_round(org, 6)
    chosen = sorted(_statuses(match_round))[:2]

    with scope(organization=org.pk):
        changed = review.proposals_decide_bulk(
            organization=org, match_round=match_round, actor=None, approve=True, proposal_ids=chosen
        )

    statuses = _statuses(match_round)
    assert changed == 2
    assert {pk for pk, status in statuses.items() if status == ProposalStatus.APPROVED} == set(
        chosen
    )


def test_bulk_reject_of_all_that_match_changes_only_what_the_filters_list(org):
    match_round = review_round(org, 10)  # scores 0.00 … 0.09; even ones matched on skills

    with scope(organization=org.pk):
        changed = review.proposals_decide_bulk(
            organization=org,
            match_round=match_round,
            actor=None,
            approve=False,
            filters=ProposalFilter(min_score=0.05, reason="skills"),
        )

    with scopes_disabled():
        rejected = sorted(
            MatchProposal.objects.filter(
                match_round=match_round, status=ProposalStatus.REJECTED
            ).values_list("score", flat=True)
        )
    assert changed == 2
    assert rejected == pytest.approx([0.06, 0.08])


def test_bulk_decision_reopens_a_reviewed_round(org):
    match_round = review_round(org, 3, status=RoundStatus.REVIEWED)

    with scope(organization=org.pk):
        review.proposals_decide_bulk(
            organization=org, match_round=match_round, actor=None, approve=False, filters=None
        )

    match_round.refresh_from_db()
    assert match_round.status == RoundStatus.PROPOSED
    assert set(_statuses(match_round).values()) == {ProposalStatus.REJECTED}


def test_ids_of_another_organizations_proposals_are_refused_and_nothing_changes(org, other_org):
    mine = review_round(org, 3)
    theirs = review_round(other_org, 3)
    their_ids = sorted(_statuses(theirs))
    before = (_statuses(mine), _statuses(theirs))

    with scope(organization=org.pk), pytest.raises(DomainError):
        review.proposals_decide_bulk(
            organization=org,
            match_round=mine,
            actor=None,
            approve=True,
            proposal_ids=[sorted(_statuses(mine))[0], *their_ids],
        )

    assert (_statuses(mine), _statuses(theirs)) == before


def test_another_rounds_proposals_are_refused_too(org):
    first, second = review_round(org, 2), review_round(org, 2)

    with scope(organization=org.pk), pytest.raises(DomainError):
        review.proposals_decide_bulk(
            organization=org,
            match_round=first,
            actor=None,
            approve=True,
            proposal_ids=sorted(_statuses(second)),
        )

    assert set(_statuses(second).values()) == {ProposalStatus.PROPOSED}


def test_a_published_round_refuses_bulk_decisions(org):
    match_round = review_round(org, 3, status=RoundStatus.PUBLISHED)

    for kwargs in ({"proposal_ids": sorted(_statuses(match_round))}, {"filters": None}):
        with scope(organization=org.pk), pytest.raises(DomainError):
            review.proposals_decide_bulk(
                organization=org, match_round=match_round, actor=None, approve=True, **kwargs
            )

    assert set(_statuses(match_round).values()) == {ProposalStatus.PROPOSED}


# Views


def _url(org, match_round, **params) -> str:
    from urllib.parse import urlencode

    url = reverse("matching:round_detail", args=[org.slug, match_round.pk])
    return f"{url}?{urlencode(params)}" if params else url


def test_the_page_lists_fifty_pairs_a_page_best_first(client, org, program_manager):
    match_round = review_round(org, 120)
    login(client, program_manager)

    first = client.get(_url(org, match_round))
    last = client.get(_url(org, match_round, page=3))

    page = first.context["page"]
    assert page.paginator.count == 120 and len(page.object_list) == 50
    assert [p.score for p in page.object_list] == sorted(
        (p.score for p in page.object_list), reverse=True
    )
    assert len(last.context["page"].object_list) == 20
    assert b"Page 3 of 3" in last.content


def test_filters_narrow_the_list_and_htmx_gets_the_results_region_only(
    client, org, program_manager
):
    match_round = review_round(org, 40)
    login(client, program_manager)

    response = client.get(
        _url(org, match_round, min_score="0.1", max_score="0.2", reason="skills"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="round-results",
    )

    scores = [p.score for p in response.context["page"].object_list]
    assert scores and all(0.1 <= s <= 0.2 for s in scores)
    assert all(round(s * 100) % 2 == 0 for s in scores)  # matched on skills
    assert b"<html" not in response.content and b"score-histogram" not in response.content
    assert "HX-Request" in response["Vary"]  # the same address also answers the whole page


def test_a_status_filter_and_the_unmatched_tab(client, org, program_manager):
    match_round = review_round(org, 5)
    with scopes_disabled():
        first = MatchProposal.objects.filter(match_round=match_round).first()
        first.status = ProposalStatus.APPROVED
        first.save()
    login(client, program_manager)

    approved = client.get(_url(org, match_round, status="approved"))
    unmatched = client.get(_url(org, match_round, show="unmatched"))

    assert [p.pk for p in approved.context["page"].object_list] == [first.pk]
    assert unmatched.context["showing_unmatched"] is True
    assert b"Everyone who wanted a mentor was matched" in unmatched.content


def test_the_summary_compares_with_the_baseline_and_says_what_is_proven(
    client, org, program_manager
):
    match_round = review_round(org, 30)
    login(client, program_manager)

    response = client.get(_url(org, match_round))

    html = response.content.decode()
    assert response.context["summary"]["total"] == 30
    assert sum(response.context["summary"]["histogram"]) == 30
    assert "Proven best possible under your rules." in html
    assert 'id="score-histogram"' in html
    labels = [row["label"] for row in response.context["comparison"]["rows"]]
    assert labels == ["Pairs matched", "Total pair score"]


def test_bulk_approve_with_htmx_answers_the_list_and_the_counters_in_place(
    client, org, program_manager
):
    match_round = review_round(org, 8)
    chosen = sorted(_statuses(match_round))[:3]
    login(client, program_manager)

    response = client.post(
        reverse("matching:round_bulk", args=[org.slug, match_round.pk]),
        {"decision": "approve", "scope": "selected", "ids": chosen, "back": "sort=mentee"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="round-results",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="round-counts" class="ui-grid ui-grid--stats mx-counts" hx-swap-oob="true"' in html
    assert 'data-testid="count-approved">3<' in html
    assert "3 pairs approved." in html
    assert response.context["filters"].sort == "mentee"


def test_approving_all_that_match_without_htmx_returns_to_the_same_list(
    client, org, program_manager
):
    match_round = review_round(org, 10)
    login(client, program_manager)

    response = client.post(
        reverse("matching:round_bulk", args=[org.slug, match_round.pk]),
        {"decision": "approve", "scope": "filtered", "back": "min_score=0.05&page=1&evil=1"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?min_score=0.05&page=1")
    approved = [pk for pk, s in _statuses(match_round).items() if s == ProposalStatus.APPROVED]
    assert len(approved) == 5


def test_one_decision_swaps_the_row_and_the_counters(client, org, program_manager):
    match_round = review_round(org, 3)
    proposal_id = sorted(_statuses(match_round))[0]
    login(client, program_manager)

    response = client.post(
        reverse("matching:proposal_decide", args=[org.slug, proposal_id]),
        {"decision": "reject"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert (
        html.startswith(f'<tr id="proposal-{proposal_id}"')
        or f'<tr id="proposal-{proposal_id}"' in html
    )
    assert 'data-testid="count-rejected">1<' in html and 'hx-swap-oob="true"' in html


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_participants_and_outsiders_cannot_see_or_decide(client, org, request, who):
    match_round = review_round(org, 2)
    login(client, request.getfixturevalue(who))

    page = client.get(_url(org, match_round))
    bulk = client.post(
        reverse("matching:round_bulk", args=[org.slug, match_round.pk]),
        {"decision": "approve", "scope": "filtered"},
    )

    assert page.status_code == (403 if who == "member" else 404)
    assert bulk.status_code == page.status_code
    assert set(_statuses(match_round).values()) == {ProposalStatus.PROPOSED}


def test_an_analyst_sees_the_review_but_no_bulk_controls(client, org, hr_analyst):
    match_round = review_round(org, 2)
    login(client, hr_analyst)

    response = client.get(_url(org, match_round))

    assert response.status_code == 200
    assert b'id="bulk-selected"' not in response.content
    assert b"data-review-select" not in response.content


def test_the_swap_search_lists_other_pairs_by_name(client, org, program_manager):
    match_round = review_round(org, 30)
    with scopes_disabled():
        proposals = list(
            MatchProposal.objects.filter(match_round=match_round)
            .select_related("mentor", "mentee")
            .order_by("mentee__full_name")
        )
    url = reverse("matching:proposal_swap", args=[org.slug, proposals[0].pk])
    login(client, program_manager)

    found = client.get(f"{url}?q=Mentor 0017", HTTP_HX_REQUEST="true").content.decode()
    nobody = client.get(f"{url}?q=Nobody", HTTP_HX_REQUEST="true").content.decode()

    assert "Mentor 0017 (now with Mentee 0017)" in found
    assert found.count('type="radio"') == 1
    assert "<form" not in found
    assert 'type="radio"' not in nobody


def test_the_page_does_not_grow_with_the_pairs(client, org, program_manager):
    small, large = review_round(org, 3), review_round(org, 150)
    login(client, program_manager)

    def queries(url, **headers):
        client.get(url, **headers)  # warm process-wide caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **headers).status_code == 200
        return len(captured)

    for params in ({}, {"status": "proposed", "reason": "skills", "min_score": "0"}):
        assert queries(_url(org, small, **params)) == queries(_url(org, large, **params))
    partial = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "round-results"}
    assert queries(_url(org, small, page=1), **partial) == queries(
        _url(org, large, page=3), **partial
    )


def test_the_overview_lists_rounds_to_decide_and_published_ones(client, org, program_manager):
    deciding = review_round(org, 3)
    published = review_round(org, 2, status=RoundStatus.PUBLISHED)
    login(client, program_manager)

    response = client.get(reverse("matching:overview", args=[org.slug]))

    html = response.content.decode()
    assert [r.pk for r in response.context["deciding"]] == [deciding.pk]
    assert [r.pk for r in response.context["published"]] == [published.pk]
    assert "3 pairs to decide" in html
    assert "Nothing to approve" in html


def test_an_empty_overview_says_what_to_do_next(client, org, program_manager, member):
    login(client, program_manager)
    empty = client.get(reverse("matching:overview", args=[org.slug])).content.decode()
    login(client, member)

    assert "No round waits for you" in empty and "Go to programs" in empty
    assert client.get(reverse("matching:overview", args=[org.slug])).status_code == 403
