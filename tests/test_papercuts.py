"""What a new user tripped on (issue 6 §4): server-side checks. Page behaviour is checked in
tests/browser/test_papercuts.py."""

import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching import services as matching_services
from matching.models import MatchProposal
from tests.conftest import login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def proposed_round(org, cohort, capture, pairs: int = 2):
    for n in range(pairs):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name=f"Mentor {n}",
            skills_offered=["SQL"],
            seniority=4,
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"Mentee {n}",
            skills_wanted=["SQL"],
            seniority=1,
        )
    with scope(organization=org.pk):
        with capture():
            match_round = matching_services.round_start(organization=org, cohort=cohort, actor=None)
        return matching_services.round_run(organization=org, round_id=match_round.pk)


def _proposals(match_round):
    with scopes_disabled():
        return list(
            MatchProposal.objects.filter(match_round=match_round)
            .select_related("mentor", "mentee")
            .order_by("mentee__full_name")
        )


# 3. Swap


def test_swap_with_an_unknown_proposal_is_a_form_error_on_the_round_page(
    client, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, _second = _proposals(match_round)
    login(client, program_manager)

    response = client.post(
        reverse("matching:proposal_swap", args=[org.slug, first.pk]), {"other": "99999"}
    )

    assert response.status_code == 400
    assert response.templates[0].name == "matching/round_detail.html"
    assert "Choose one of the listed mentors." in response.content.decode()


def test_swap_offers_the_other_pairs_mentors_by_name_and_current_mentee(
    client, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, second = _proposals(match_round)
    login(client, program_manager)

    fragment = client.get(
        reverse("matching:proposal_swap", args=[org.slug, first.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    client.post(reverse("matching:proposal_swap", args=[org.slug, first.pk]), {"other": second.pk})

    assert f"{second.mentor.full_name} (now with {second.mentee.full_name})" in fragment
    options = re.findall(r"<option[^>]*>([^<]*)</option>", fragment)
    assert not any(first.mentor.full_name in option for option in options)
    with scopes_disabled():
        pairs = set(
            MatchProposal.objects.filter(match_round=match_round).values_list(
                "mentee_id", "mentor_id"
            )
        )
    assert pairs == {(first.mentee_id, second.mentor_id), (second.mentee_id, first.mentor_id)}
