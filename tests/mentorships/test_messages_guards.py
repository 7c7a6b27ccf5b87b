"""Message edits: the window as the pages ask it (`message_editable`: the author's own message,
up to exactly fifteen minutes), and an edit changes its own message only. Written for the
survivors of `scripts/mutate mentorships/services/messages.py` (docs/testing.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from mentorships.models import Mentorship, MentorshipStatus, Message
from mentorships.services import messages
from tests.mentorships.test_messages import make_pair, post, unread

pytestmark = pytest.mark.django_db


def test_only_the_author_may_edit_and_only_within_the_window(org):
    mentorship, mentor, mentee = make_pair(org)
    message = post(org, mentorship, mentor.user, "Monday?")
    sent = message.created_at
    with scope(organization=org.pk):
        assert messages.message_editable(message=message, author=mentor, now=sent)
        window_end = sent + dt.timedelta(minutes=15)
        assert messages.message_editable(message=message, author=mentor, now=window_end)
        late = window_end + dt.timedelta(microseconds=1)
        assert not messages.message_editable(message=message, author=mentor, now=late)
        # The other member never may, not even at once.
        assert not messages.message_editable(message=message, author=mentee, now=sent)
        assert not messages.message_editable(message=message, author=mentee, now=late)


def test_an_edit_changes_its_own_message_and_no_other(org):
    """Two messages in the organization: the edit reads the message by its id, not the first."""
    mentorship, mentor, mentee = make_pair(org)
    first = post(org, mentorship, mentee.user, "Hi Mia")
    second = post(org, mentorship, mentor.user, "Monday?")
    with scope(organization=org.pk):
        messages.message_edit(organization=org, message=second, actor=mentor.user, body="Tuesday?")
        first.refresh_from_db()
        second.refresh_from_db()
    assert (first.body, first.edited_at) == ("Hi Mia", None)
    assert second.body == "Tuesday?"


def test_a_too_long_message_is_told_the_exact_limit(org):
    mentorship, mentor, _ = make_pair(org)
    post(org, mentorship, mentor.user, "x" * 10_000)  # the longest that is kept
    with pytest.raises(DomainError) as refused:
        post(org, mentorship, mentor.user, "x" * 10_001)
    assert refused.value.message == "Keep a message under 10001 characters."


def test_a_closed_mentorships_messages_are_no_longer_edited(org):
    mentorship, mentor, _ = make_pair(org)
    message = post(org, mentorship, mentor.user, "Monday?")
    with scope(organization=org.pk):
        Mentorship.objects.for_org(org).filter(pk=mentorship.pk).update(
            status=MentorshipStatus.ENDED
        )
        with pytest.raises(DomainError) as closed:
            messages.message_edit(organization=org, message=message, actor=mentor.user, body="x")
        message.refresh_from_db()
    assert closed.value.code == "conflict"
    assert (message.body, message.edited_at) == ("Monday?", None)


def test_another_organizations_thread_is_not_found_without_a_scope(org, other_org, settings):
    """With no tenant scope and no row-level security, only the services' own organization
    filters refuse Globex's mentorship and message to a caller acting for Acme, even with the
    author's own account."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    theirs, their_mentor, _ = make_pair(other_org, suffix="-g")
    message = post(other_org, theirs, their_mentor.user, "Monday?")
    with scopes_disabled():
        with pytest.raises(DomainError) as post_refused:
            messages.message_post(
                organization=org, mentorship=theirs, actor=their_mentor.user, body="Hi"
            )
        with pytest.raises(DomainError) as edit_refused:
            messages.message_edit(
                organization=org, message=message, actor=their_mentor.user, body="Tuesday?"
            )
        message.refresh_from_db()
        their_messages = Message.objects.filter(mentorship=theirs).count()
    assert (post_refused.value.code, edit_refused.value.code) == ("not_found", "not_found")
    assert (message.body, message.edited_at, their_messages) == ("Monday?", None, 1)


def test_reading_again_moves_the_read_mark_forward(org):
    """The second mark of a thread updates the member's existing read row."""
    mentorship, mentor, mentee = make_pair(org)
    post(org, mentorship, mentee.user, "Hi Mia")
    with scope(organization=org.pk):
        messages.thread_mark_read(organization=org, mentorship=mentorship, actor=mentor.user)
    post(org, mentorship, mentee.user, "One more")
    assert unread(org, mentor.user) == ({mentorship.pk: 1}, 1)
    with scope(organization=org.pk):
        messages.thread_mark_read(organization=org, mentorship=mentorship, actor=mentor.user)
    assert unread(org, mentor.user) == ({}, 0)
    # Replying moves the author's own mark too.
    post(org, mentorship, mentee.user, "And another")
    post(org, mentorship, mentor.user, "Got them all")
    assert unread(org, mentor.user) == ({}, 0)
