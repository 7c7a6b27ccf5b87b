"""The check-in rules at their exact edges, and what each action leaves behind beside the
check-in row: a booking takes 15 minutes and 4 hours, a series 26 meetings and a gap of 8
weeks, a rating 1 and 5; a moved check-in's reminders move with it; a cancelled one keeps the
reminders already sent; each member's account of a held check-in is one event, and one that
did not happen is none. Written for the mutants of `mentorships/services/check_ins.py`
(docs/testing.md, third round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from mentorships import services
from mentorships.models import CheckIn, CheckInReminder
from mentorships.services import check_ins
from tests.mentorships.test_check_ins import book, invitation_of, next_monday_utc
from tests.mentorships.test_reminders import make_pair, reminders
from webhooks.services import EventType

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "duration", [dt.timedelta(minutes=15), dt.timedelta(hours=4)], ids=["15 min", "4 h"]
)
def test_the_shortest_and_the_longest_check_in_are_taken(org, duration):
    mentorship, mentor, _ = make_pair(org)
    (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1), duration=duration)
    assert check_in.ends_at - check_in.starts_at == duration


@pytest.mark.parametrize(
    "duration",
    [dt.timedelta(minutes=15) - dt.timedelta(seconds=1), dt.timedelta(hours=4, seconds=1)],
    ids=["a second short of 15 min", "a second past 4 h"],
)
def test_a_second_outside_is_refused_on_the_duration(org, duration):
    mentorship, mentor, _ = make_pair(org)
    with pytest.raises(DomainError) as refused:
        book(org, mentorship, mentor.user, next_monday_utc(1), duration=duration)
    assert refused.value.field == "duration"


def test_a_series_of_26_meetings_8_weeks_apart_is_taken(org):
    mentorship, mentor, _ = make_pair(org)
    booked = book(org, mentorship, mentor.user, next_monday_utc(1), every_weeks=8, occurrences=26)
    assert len(booked) == 26
    assert booked[1].starts_at - booked[0].starts_at == dt.timedelta(weeks=8)


def test_a_gap_of_zero_weeks_is_refused_on_the_gap(org):
    mentorship, mentor, _ = make_pair(org)
    with pytest.raises(DomainError) as refused:
        book(org, mentorship, mentor.user, next_monday_utc(1), every_weeks=0, occurrences=2)
    assert refused.value.field == "every_weeks"


def test_a_single_check_in_needs_no_gap_and_has_no_recurrence(org):
    mentorship, mentor, _ = make_pair(org)
    (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1), occurrences=1)
    assert check_in.recurrence_id is None


def test_a_moved_check_in_takes_its_reminders_along(org):
    mentorship, mentor, _ = make_pair(org)
    starts_at = next_monday_utc(1) + dt.timedelta(days=7)
    (check_in,) = book(org, mentorship, mentor.user, starts_at)
    later = starts_at + dt.timedelta(days=2)
    with scope(organization=org.pk):
        services.check_in_reschedule(
            organization=org, check_in=check_in, actor=mentor.user, starts_at=later
        )
    assert reminders(org) == [
        ("24h", later - dt.timedelta(hours=24), None),
        ("1h", later - dt.timedelta(hours=1), None),
    ]


def test_a_cancelled_check_in_keeps_the_reminders_already_sent(org):
    mentorship, mentor, _ = make_pair(org)
    starts_at = next_monday_utc(1) + dt.timedelta(days=7)
    (check_in,) = book(org, mentorship, mentor.user, starts_at)
    sent_at = timezone.now()
    with scopes_disabled():
        CheckInReminder.objects.filter(check_in=check_in, kind="24h").update(sent_at=sent_at)
    with scope(organization=org.pk):
        services.check_in_cancel(organization=org, check_in=check_in, actor=mentor.user)
    assert reminders(org) == [("24h", starts_at - dt.timedelta(hours=24), sent_at)]


def _started(org, mentorship, mentor):
    (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(5))
    with scopes_disabled():
        CheckIn.objects.filter(pk=check_in.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=1),
            ends_at=timezone.now() - dt.timedelta(minutes=15),
        )
    return check_in


def _record(org, check_in, user, **answers):
    with scope(organization=org.pk):
        return services.check_in_record(organization=org, check_in=check_in, actor=user, **answers)


@pytest.mark.parametrize("rating", [1, 5])
def test_the_lowest_and_the_highest_rating_are_taken(org, rating):
    mentorship, mentor, _ = make_pair(org)
    check_in = _started(org, mentorship, mentor)
    assert _record(org, check_in, mentor.user, happened=True, rating=rating).rating == rating


def test_each_account_of_a_held_check_in_is_an_event_and_a_missed_one_none(org, monkeypatch):
    emitted: list[tuple[int, str, dict]] = []
    monkeypatch.setattr(
        check_ins,
        "event_emit",
        lambda *, organization_id, event_type, payload: emitted.append(
            (organization_id, event_type, payload)
        ),
    )
    mentorship, mentor, mentee = make_pair(org)
    check_in = _started(org, mentorship, mentor)
    _record(org, check_in, mentor.user, happened=False)
    assert emitted == []
    _record(org, check_in, mentee.user, happened=True, rating=4)
    assert emitted == [
        (
            org.pk,
            EventType.CHECK_IN_HELD,
            {
                "check_in_id": check_in.pk,
                "mentorship_id": mentorship.pk,
                "starts_at": CheckIn.objects.for_org(org).get(pk=check_in.pk).starts_at,
                "reported_by_participant_id": mentee.pk,
            },
        )
    ]


def test_each_booking_goes_to_its_own_mentorship(org):
    """Two mentorships in one organization: the booking locks the one it was given."""
    first, first_mentor, _ = make_pair(org)
    second, second_mentor, _ = make_pair(org, suffix="2")
    (on_first,) = book(org, first, first_mentor.user, next_monday_utc(1))
    (on_second,) = book(org, second, second_mentor.user, next_monday_utc(3))
    assert (on_first.mentorship_id, on_second.mentorship_id) == (first.pk, second.pk)


def test_a_moved_check_in_keeps_its_organizer_in_the_invitation(
    org, django_capture_on_commit_callbacks
):
    mentorship, mentor, mentee = make_pair(org)
    (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
        services.check_in_reschedule(
            organization=org, check_in=check_in, actor=mentee.user, starts_at=next_monday_utc(3)
        )
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        (event,) = invitation_of(message).walk("VEVENT")
        assert str(event["ORGANIZER"]) == "mailto:kenji@acme.test"


def test_a_pairs_other_member_is_told_who_booked_with_no_one_else_invited(
    org, django_capture_on_commit_callbacks
):
    mentorship, _, mentee = make_pair(org)
    with django_capture_on_commit_callbacks(execute=True):
        book(org, mentorship, mentee.user, next_monday_utc(1))
    (to_mentor,) = [m for m in mail.outbox if m.to == ["kenji@acme.test"]]
    assert "Ana booked a check-in with you on" in to_mentor.body


def test_an_account_keeps_the_first_2000_characters_of_its_comment(org):
    mentorship, mentor, _ = make_pair(org)
    check_in = _started(org, mentorship, mentor)
    record = _record(org, check_in, mentor.user, happened=True, comment="x" * 1999 + "yz")
    assert record.comment == "x" * 1999 + "y"
