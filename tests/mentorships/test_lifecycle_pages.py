"""The lifecycle buttons on a mentorship's home: members pause, resume, close and ask for a new
match; anyone else gets 404 and changes nothing; a refusal is a message, not an error page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorships.models import Mentorship, MentorshipStatus
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def url(org, mentorship, action):
    return reverse(f"mentorships:{action}", args=[org.slug, mentorship.pk])


def status(mentorship):
    with scopes_disabled():
        return Mentorship.objects.get(pk=mentorship.pk).status


def test_the_home_offers_the_buttons_and_they_work(client, org, pair):
    mentorship, mentor, mentee = pair
    page = login(client, mentee.user).get(
        reverse("mentorships:detail", args=[org.slug, mentorship.pk])
    )
    body = page.content.decode()
    for action in ("pause", "close", "rematch"):
        assert url(org, mentorship, action) in body
    response = client.post(url(org, mentorship, "pause"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorships:detail", args=[org.slug, mentorship.pk])
    assert status(mentorship) == MentorshipStatus.PAUSED
    login(client, mentor.user).post(url(org, mentorship, "resume"))
    assert status(mentorship) == MentorshipStatus.ACTIVE
    client.post(url(org, mentorship, "close"), {"reason": "goals_met"})
    assert status(mentorship) == MentorshipStatus.COMPLETED


def test_a_refusal_comes_back_as_a_message(client, org, pair):
    mentorship, _, mentee = pair
    login(client, mentee.user)
    response = client.post(url(org, mentorship, "close"), {"reason": "other"}, follow=True)
    assert response.status_code == 200
    assert "Say a few words about why." in response.content.decode()
    assert status(mentorship) == MentorshipStatus.ACTIVE


def test_a_rematch_request_is_saved(client, org, pair):
    mentorship, _, mentee = pair
    login(client, mentee.user).post(url(org, mentorship, "rematch"), {"reason": "Never free"})
    with scopes_disabled():
        assert Mentorship.objects.get(pk=mentorship.pk).rematch_reason == "Never free"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_anyone_else_gets_404_and_nothing_changes(client, org, pair, role):
    mentorship, *_ = pair
    outsider = member_of(org, f"{role}@acme.test", role=role)
    login(client, outsider)
    for action in ("pause", "resume", "close", "rematch"):
        assert client.post(url(org, mentorship, action), {"reason": "no_time"}).status_code == 404
    assert status(mentorship) == MentorshipStatus.ACTIVE


def test_the_buttons_take_posts_only(client, org, pair):
    mentorship, _, mentee = pair
    assert login(client, mentee.user).get(url(org, mentorship, "pause")).status_code == 405
