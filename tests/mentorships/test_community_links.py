"""The program community is reachable where people are: the participant's home (each
participation and each mentorship card), the mentorship's home, and the program page for the
program team. The link shows only to those the community lets in: a member outside the program
and staff who do not run programs see none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def community_url(org, program_id):
    return reverse("mentorships:community", args=[org.slug, program_id])


def page(client, user, url):
    response = login(client, user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_participant_home_links_each_of_their_programs_communities(client, org, pair):
    mentorship, _mentor, mentee = pair
    elsewhere = CohortFactory(program=ProgramFactory(organization=org, name="Elsewhere"))
    home = page(client, mentee.user, reverse("dashboard", args=[org.slug]))
    link = f'href="{community_url(org, mentorship.cohort.program_id)}"'
    # Once on the mentorship card and once beside the participation.
    assert home.count(link) == 2
    assert community_url(org, elsewhere.program_id) not in home
    assert community_url(org, mentorship.cohort.program_id) in home
    # The link leads somewhere they may enter.
    assert client.get(community_url(org, mentorship.cohort.program_id)).status_code == 200


def test_a_participant_without_a_mentorship_still_finds_the_community(client, org):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Waiting room"))
    person = member_of(org, "waiting@acme.test")
    ParticipantFactory(cohort=cohort, role="mentee", user=person)
    home = page(client, person, reverse("dashboard", args=[org.slug]))
    assert f'href="{community_url(org, cohort.program_id)}"' in home


def test_a_member_outside_the_program_sees_no_community_link(client, org, pair):
    mentorship, _mentor, _mentee = pair
    stranger = member_of(org, "stranger@acme.test")
    home = page(client, stranger, reverse("dashboard", args=[org.slug]))
    assert 'data-testid="community-link"' not in home
    assert client.get(community_url(org, mentorship.cohort.program_id)).status_code == 404


def test_the_mentorship_home_links_the_programs_community(client, org, pair):
    mentorship, mentor, _mentee = pair
    detail = page(
        client, mentor.user, reverse("mentorships:detail", args=[org.slug, mentorship.pk])
    )
    assert f'href="{community_url(org, mentorship.cohort.program_id)}"' in detail
    assert "everyone in Bridges" in detail


@pytest.mark.parametrize("role", [Role.PROGRAM_MANAGER, Role.ADMIN])
def test_the_program_page_links_its_community_for_the_program_team(client, org, pair, role):
    mentorship, _mentor, _mentee = pair
    program_id = mentorship.cohort.program_id
    team = member_of(org, f"{role}@acme.test", role=role)
    program_page = page(
        client, team, reverse("programs:program_detail", args=[org.slug, program_id])
    )
    assert f'href="{community_url(org, program_id)}"' in program_page
    assert client.get(community_url(org, program_id)).status_code == 200


def test_the_program_page_has_no_community_link_for_staff_the_community_refuses(client, org, pair):
    mentorship, _mentor, _mentee = pair
    program_id = mentorship.cohort.program_id
    analyst = member_of(org, "analyst@acme.test", role=Role.HR_ANALYST)
    program_page = page(
        client, analyst, reverse("programs:program_detail", args=[org.slug, program_id])
    )
    assert community_url(org, program_id) not in program_page
    assert client.get(community_url(org, program_id)).status_code == 404
