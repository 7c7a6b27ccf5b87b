"""The message thread: members only, an edit window, and unread counts that are exact."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope

from core.errors import DomainError
from mentorships import services
from mentorships.models import MentorshipStatus, Message
from mentorships.selectors import messages as message_selectors
from mentorships.services import messages
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_pair(org, mentor_user=None, suffix=""):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", user=mentor_user or UserFactory(), full_name=f"Mia{suffix}"
    )
    mentee = ParticipantFactory(
        cohort=cohort, role="mentee", user=UserFactory(), full_name=f"Eli{suffix}"
    )
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def post(org, mentorship, user, body="Hello"):
    with scope(organization=org.pk):
        return messages.message_post(organization=org, mentorship=mentorship, actor=user, body=body)


def unread(org, user):
    with scope(organization=org.pk):
        return (
            message_selectors.unread_counts(organization=org, user=user),
            message_selectors.unread_total(organization=org, user=user),
        )


def test_the_other_side_sees_new_messages_as_unread_until_they_read(org):
    mentorship, mentor, mentee = make_pair(org)
    post(org, mentorship, mentee.user, "Hi Mia")
    post(org, mentorship, mentee.user, "Are you free on Monday?")
    assert unread(org, mentor.user) == ({mentorship.pk: 2}, 2)
    assert unread(org, mentee.user) == ({}, 0)  # one's own messages are never unread
    with scope(organization=org.pk):
        messages.thread_mark_read(organization=org, mentorship=mentorship, actor=mentor.user)
    assert unread(org, mentor.user) == ({}, 0)
    post(org, mentorship, mentee.user, "One more")
    assert unread(org, mentor.user) == ({mentorship.pk: 1}, 1)


def test_replying_marks_the_thread_read_for_the_author(org):
    mentorship, mentor, mentee = make_pair(org)
    post(org, mentorship, mentee.user)
    post(org, mentorship, mentor.user, "Yes, Monday works")
    assert unread(org, mentor.user) == ({}, 0)
    assert unread(org, mentee.user) == ({mentorship.pk: 1}, 1)


def test_counts_add_up_across_mentorships_and_stay_in_the_organization(org, other_org):
    first, mentor, first_mentee = make_pair(org)
    second, _, second_mentee = make_pair(org, mentor_user=mentor.user, suffix="2")
    post(org, first, first_mentee.user)
    post(org, second, second_mentee.user)
    post(org, second, second_mentee.user)
    theirs, _their_mentor, their_mentee = make_pair(other_org, mentor_user=mentor.user)
    post(other_org, theirs, their_mentee.user)
    assert unread(org, mentor.user) == ({first.pk: 1, second.pk: 2}, 3)
    assert unread(other_org, mentor.user) == ({theirs.pk: 1}, 1)


def test_marking_read_never_goes_backwards(org):
    mentorship, mentor, mentee = make_pair(org)
    post(org, mentorship, mentee.user)
    with scope(organization=org.pk):
        messages.thread_mark_read(organization=org, mentorship=mentorship, actor=mentor.user)
        old_page = Message.objects.for_org(org).first().created_at - dt.timedelta(minutes=5)
        messages.thread_mark_read(
            organization=org, mentorship=mentorship, actor=mentor.user, until=old_page
        )
    assert unread(org, mentor.user) == ({}, 0)


def test_only_members_write_and_not_in_a_closed_mentorship(org, org_admin):
    mentorship, mentor, _ = make_pair(org)
    with pytest.raises(DomainError) as outsider:
        post(org, mentorship, org_admin)
    assert outsider.value.code == "permission_denied"
    mentorship.status = MentorshipStatus.COMPLETED
    mentorship.save(update_fields=["status"])
    with pytest.raises(DomainError) as closed:
        post(org, mentorship, mentor.user)
    assert closed.value.code == "conflict"


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_empty_or_huge_messages_are_refused_on_the_body(org, body):
    mentorship, mentor, _ = make_pair(org)
    with pytest.raises(DomainError) as refused:
        post(org, mentorship, mentor.user, body)
    assert refused.value.field == "body"


def test_the_author_edits_within_fifteen_minutes(org):
    mentorship, mentor, mentee = make_pair(org)
    message = post(org, mentorship, mentor.user, "Monday?")
    with scope(organization=org.pk):
        edited = messages.message_edit(
            organization=org, message=message, actor=mentor.user, body="Tuesday?"
        )
        assert edited.body == "Tuesday?" and edited.edited_at is not None
        with pytest.raises(DomainError) as not_theirs:
            messages.message_edit(organization=org, message=message, actor=mentee.user, body="x")
        assert not_theirs.value.code == "permission_denied"
        Message.objects.for_org(org).filter(pk=message.pk).update(
            created_at=message.created_at - dt.timedelta(minutes=16)
        )
        with pytest.raises(DomainError) as late:
            messages.message_edit(organization=org, message=message, actor=mentor.user, body="y")
        assert late.value.code == "conflict"


def test_another_organizations_messages_are_not_found(org, other_org):
    mentorship, mentor, _ = make_pair(org)
    message = post(org, mentorship, mentor.user)
    with pytest.raises(DomainError) as refused:
        post(other_org, mentorship, mentor.user)
    assert refused.value.code == "not_found"
    with scope(organization=other_org.pk), pytest.raises(DomainError):
        message_selectors.message_get(organization=other_org, message_id=message.pk)
