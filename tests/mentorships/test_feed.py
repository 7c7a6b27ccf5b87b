"""The private calendar feed: a person's check-ins across their organizations, nobody else's,
behind a token only its hash is kept of."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from accounts import services as account_services
from accounts.models import CalendarFeed
from mentorships import ics, services
from mentorships.selectors.feed import calendar_feed_events
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_pair(org, mentor_user, mentee_user):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=mentor_user, full_name="Mia")
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=mentee_user, full_name="Eli")
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship


def book(org, mentorship, user, days, **options):
    with scope(organization=org.pk):
        return services.check_in_book(
            organization=org, mentorship=mentorship, actor=user,
            starts_at=(timezone.now() + dt.timedelta(days=days)).replace(microsecond=0),
            duration=dt.timedelta(minutes=30), **options,
        )  # fmt: skip


def test_the_feed_holds_the_persons_check_ins_from_every_organization(org, other_org):
    mia, eli, zoe = UserFactory(), UserFactory(), UserFactory()
    here = make_pair(org, mia, eli)
    there = make_pair(other_org, mia, zoe)
    not_mine = make_pair(org, UserFactory(), UserFactory())
    (first,) = book(org, here, mia, 3)
    (second,) = book(other_org, there, zoe, 4)
    book(org, not_mine, not_mine.mentor.user, 5)
    series = book(org, here, eli, 10, every_weeks=1, occurrences=2)
    with scope(organization=org.pk):
        services.check_in_cancel(organization=org, check_in=series[1], actor=eli)

    events = calendar_feed_events(user=mia)
    assert [e.start for e in events] == [first.starts_at, second.starts_at] + [
        c.starts_at for c in series
    ]
    assert [e.cancelled for e in events] == [False, False, False, True]
    # Occurrences of a series stand alone in a feed, each with its own UID.
    assert len({e.uid for e in events}) == 4
    assert events[0].uid == first.ical_uid
    calendar = Calendar.from_ical(ics.feed(events, name="Meridian"))
    assert len(calendar.walk("VEVENT")) == 4
    assert calendar_feed_events(user=zoe)[0].uid == second.ical_uid
    assert [e.start for e in calendar_feed_events(user=zoe)] == [second.starts_at]


def test_a_feed_token_works_until_replaced_or_revoked_and_only_its_hash_is_kept():
    user = UserFactory()
    token = account_services.calendar_feed_create(user=user)
    assert account_services.calendar_feed_user(token=token) == user
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    newer = account_services.calendar_feed_create(user=user)
    assert account_services.calendar_feed_user(token=token) is None
    assert account_services.calendar_feed_user(token=newer) == user
    assert account_services.calendar_feed_revoke(user=user) == 1
    assert account_services.calendar_feed_user(token=newer) is None
    assert account_services.calendar_feed_user(token="") is None
    assert account_services.calendar_feed_user(token="x" * 500) is None


def test_a_deactivated_persons_feed_answers_nothing():
    user = UserFactory()
    token = account_services.calendar_feed_create(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert account_services.calendar_feed_user(token=token) is None
