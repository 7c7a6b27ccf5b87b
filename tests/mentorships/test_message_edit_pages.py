"""Editing one's own message in place: the author gets an inline editor (htmx) for 15 minutes,
the saved text shows as edited; the other member is refused (403), anyone outside the pair gets
404, and a late or closed-thread edit is refused. The thread shows the latest messages with older
ones a click away."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from core.errors import DomainError
from mentorships.models import MentorshipStatus, Message
from mentorships.services import messages as message_services
from mentorships.views.messages import PAGE_SIZE
from organizations.models import Role
from tests.conftest import login
from tests.factories import MembershipFactory
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def say(org, mentorship, person, body):
    with scope(organization=org.pk):
        return message_services.message_post(
            organization=org, mentorship=mentorship, actor=person.user, body=body
        )


def edit_url(org, message):
    return reverse("mentorships:message_edit", args=[org.slug, message.pk])


def thread_url(org, mentorship):
    return reverse("mentorships:messages", args=[org.slug, mentorship.pk])


def stored(org, message):
    with scope(organization=org.pk):
        return Message.objects.for_org(org).get(pk=message.pk)


def age(org, message, minutes):
    with scope(organization=org.pk):
        Message.objects.for_org(org).filter(pk=message.pk).update(
            created_at=message.created_at - dt.timedelta(minutes=minutes)
        )


def test_the_thread_offers_edit_on_ones_own_fresh_messages_only(client, org, pair):
    mentorship, mentor, mentee = pair
    mine = say(org, mentorship, mentee, "mine")
    theirs = say(org, mentorship, mentor, "theirs")
    old = say(org, mentorship, mentee, "old")
    age(org, old, 16)
    page = login(client, mentee.user).get(thread_url(org, mentorship)).content.decode()
    assert f'hx-get="{edit_url(org, mine)}"' in page
    assert edit_url(org, theirs) not in page
    assert edit_url(org, old) not in page


def test_htmx_edit_opens_the_form_in_place_and_a_save_answers_with_the_edited_message(
    client, org, pair
):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "See you Monday")
    login(client, mentee.user)
    form = client.get(edit_url(org, message), HTTP_HX_REQUEST="true")
    body = form.content.decode()
    assert form.status_code == 200 and 'data-testid="message-edit-form"' in body
    assert "See you Monday</textarea>" in body and "autofocus" in body
    assert f'id="id_message_{message.pk}_body"' in body  # apart from the compose box's id

    saved = client.post(edit_url(org, message), {"body": "See you Tuesday"}, HTTP_HX_REQUEST="true")
    html = saved.content.decode()
    assert saved.status_code == 200
    assert html.lstrip().startswith("<li") and f'id="message-{message.pk}"' in html
    assert "See you Tuesday" in html and "(edited)" in html
    assert "hx-preserve" not in html  # the answer replaces the open editor
    assert stored(org, message).body == "See you Tuesday"
    assert stored(org, message).edited_at is not None
    thread = client.get(thread_url(org, mentorship)).content.decode()
    assert "See you Tuesday" in thread and "(edited)" in thread


def test_cancel_gives_the_message_back_unchanged(client, org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "unchanged")
    login(client, mentee.user)
    answer = client.get(edit_url(org, message), {"cancel": "1"}, HTTP_HX_REQUEST="true")
    assert "unchanged" in answer.content.decode() and "(edited)" not in answer.content.decode()
    assert stored(org, message).edited_at is None


def test_a_blank_edit_stays_in_the_editor_with_the_error(client, org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "keep me")
    login(client, mentee.user)
    refused = client.post(edit_url(org, message), {"body": "   "}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert refused["HX-Retarget"] == f"#message-{message.pk}-edit"
    assert refused.context["form"].errors
    assert stored(org, message).body == "keep me"


def test_without_htmx_the_edit_is_a_page_and_a_save_goes_back_to_the_thread(client, org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "plain")
    login(client, mentee.user)
    page = client.get(edit_url(org, message))
    assert page.status_code == 200 and "Edit your message" in page.content.decode()
    saved = client.post(edit_url(org, message), {"body": "plainer"})
    assert saved.status_code == 302 and saved["Location"] == thread_url(org, mentorship)
    assert client.post(edit_url(org, message), {"body": ""}).status_code == 400


def test_the_other_member_is_forbidden_and_the_text_stays(client, org, pair):
    mentorship, mentor, mentee = pair
    message = say(org, mentorship, mentee, "hers")
    login(client, mentor.user)
    assert client.get(edit_url(org, message), HTTP_HX_REQUEST="true").status_code == 403
    assert client.post(edit_url(org, message), {"body": "his now"}).status_code == 403
    assert stored(org, message).body == "hers"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN, Role.PROGRAM_MANAGER])
def test_anyone_outside_the_pair_gets_404(client, org, pair, role):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "private")
    login(client, member_of(org, f"{role}@acme.test", role=role))
    assert client.get(edit_url(org, message)).status_code == 404
    assert client.post(edit_url(org, message), {"body": "x"}).status_code == 404
    assert stored(org, message).body == "private"


def test_the_message_is_not_found_through_another_organization(client, org, other_org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "ours")
    MembershipFactory(organization=other_org, user=mentee.user)
    login(client, mentee.user)
    url = reverse("mentorships:message_edit", args=[other_org.slug, message.pk])
    assert client.post(url, {"body": "x"}).status_code == 404


def test_after_fifteen_minutes_the_edit_is_refused(client, org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "too late")
    age(org, message, 16)
    login(client, mentee.user)
    refused = client.post(edit_url(org, message), {"body": "changed"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 204 and refused["HX-Redirect"]
    assert stored(org, message).body == "too late"


def test_a_closed_mentorship_refuses_edits(org, pair):
    mentorship, _mentor, mentee = pair
    message = say(org, mentorship, mentee, "last words")
    mentorship.status = MentorshipStatus.ENDED
    mentorship.save(update_fields=["status"])
    with scope(organization=org.pk), pytest.raises(DomainError) as refused:
        message_services.message_edit(
            organization=org, message=message, actor=mentee.user, body="changed"
        )
    assert refused.value.code == "conflict"


def test_the_thread_shows_the_latest_page_and_older_messages_on_request(client, org, pair):
    mentorship, mentor, mentee = pair
    with scope(organization=org.pk):
        for n in range(PAGE_SIZE + 5):
            message_services.message_post(
                organization=org, mentorship=mentorship, actor=mentor.user, body=f"note {n:03d}"
            )
    login(client, mentee.user)
    first = client.get(thread_url(org, mentorship))
    bodies = [row["message"].body for row in first.context["rows"]]
    assert len(bodies) == PAGE_SIZE and bodies[-1] == f"note {PAGE_SIZE + 4:03d}"
    assert "note 004" not in first.content.decode()
    assert f"shown={PAGE_SIZE * 2}" in first.content.decode()
    older = client.get(
        thread_url(org, mentorship),
        {"thread": "1", "shown": PAGE_SIZE * 2},
        HTTP_HX_REQUEST="true",
    )
    older_rows = older.context["rows"]
    assert len(older_rows) == PAGE_SIZE + 5 and older_rows[0]["message"].body == "note 000"
    assert 'data-testid="thread-older"' not in older.content.decode()
    assert f"shown={PAGE_SIZE * 2}" in older.content.decode()  # the poll keeps what is shown


def test_the_thread_page_reads_a_bounded_number_of_queries(
    client, org, pair, django_assert_max_num_queries
):
    mentorship, mentor, mentee = pair
    with scope(organization=org.pk):
        for n in range(30):
            message_services.message_post(
                organization=org,
                mentorship=mentorship,
                actor=(mentor if n % 2 else mentee).user,
                body=f"m{n}",
            )
    login(client, mentee.user)
    client.get(thread_url(org, mentorship))
    with django_assert_max_num_queries(30):
        client.get(thread_url(org, mentorship))
