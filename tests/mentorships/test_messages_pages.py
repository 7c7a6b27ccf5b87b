"""The messages page: members read and write, newest at the bottom in their own zone; opening
the thread reads it, so the navigation's count drops; outsiders and program staff get 404 and
never see a message's text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from mentorships.models import Message
from mentorships.services import messages as message_services
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def messages_url(org, mentorship):
    return reverse("mentorships:messages", args=[org.slug, mentorship.pk])


def post_url(org, mentorship):
    return reverse("mentorships:message_post", args=[org.slug, mentorship.pk])


def say(org, mentorship, person, body):
    with scope(organization=org.pk):
        return message_services.message_post(
            organization=org, mentorship=mentorship, actor=person.user, body=body
        )


def test_an_empty_thread_says_what_to_do(client, org, pair):
    mentorship, _mentor, mentee = pair
    page = login(client, mentee.user).get(messages_url(org, mentorship)).content.decode()
    assert "No messages yet" in page and "Say hello" in page


def test_a_message_is_unread_for_the_other_side_until_they_open_the_thread(client, org, pair):
    mentorship, mentor, mentee = pair
    login(client, mentee.user).post(post_url(org, mentorship), {"body": "Olá Kenji!"})
    home = reverse("dashboard", args=[org.slug])
    login(client, mentor.user)
    assert client.get(home).context["nav_unread_messages"]() == 1
    page = client.get(messages_url(org, mentorship)).content.decode()
    assert "Olá Kenji!" in page
    assert client.get(home).context["nav_unread_messages"]() == 0


def test_times_are_in_the_viewers_zone_and_the_newest_is_last(client, org, pair):
    mentorship, mentor, mentee = pair
    say(org, mentorship, mentee, "first")
    say(org, mentorship, mentor, "second")
    response = login(client, mentor.user).get(messages_url(org, mentorship))
    rows = response.context["rows"]
    assert [r["message"].body for r in rows] == ["first", "second"]
    assert [r["mine"] for r in rows] == [False, True]
    assert rows[0]["at"].tzinfo.key == "Asia/Tokyo"
    assert "Times are in Tokyo." in response.content.decode()
    shown = rows[0]["message"].created_at.astimezone(rows[0]["at"].tzinfo)
    assert f'datetime="{shown.isoformat()}"' in response.content.decode()


def test_htmx_post_answers_with_the_panel_and_a_blank_message_is_refused(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    answer = client.post(post_url(org, mentorship), {"body": "Hi"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and 'id="thread-panel"' in answer.content.decode()
    refused = client.post(post_url(org, mentorship), {"body": "   "}, HTTP_HX_REQUEST="true")
    assert refused.context["form"].errors
    with scope(organization=org.pk):
        assert Message.objects.count() == 1


def test_the_poll_returns_the_thread_alone(client, org, pair):
    mentorship, mentor, mentee = pair
    say(org, mentorship, mentor, "new since you looked")
    response = login(client, mentee.user).get(
        messages_url(org, mentorship), {"thread": "1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<ol class="thread"') and "new since you looked" in body


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN, Role.PROGRAM_MANAGER])
def test_outsiders_and_staff_get_404_and_never_the_text(client, org, pair, role):
    mentorship, mentor, _mentee = pair
    say(org, mentorship, mentor, "private words")
    outsider = member_of(org, f"{role}@acme.test", role=role)
    login(client, outsider)
    assert client.get(messages_url(org, mentorship)).status_code == 404
    refused = client.post(post_url(org, mentorship), {"body": "let me in"})
    assert refused.status_code == 404
    with scope(organization=org.pk):
        assert Message.objects.count() == 1
