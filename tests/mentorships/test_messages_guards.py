"""Message edits: the window as the pages ask it (`message_editable`: the author's own message,
up to exactly fifteen minutes), and an edit changes its own message only. Written for the
survivors of `scripts/mutate mentorships/services/messages.py` (docs/testing.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope

from mentorships.services import messages
from tests.mentorships.test_messages import make_pair, post

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
