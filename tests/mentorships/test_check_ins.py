"""Booking, moving, cancelling and recording check-ins: the rules, the calendar invitations each
member receives, and that each is sent once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.core import mail
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from core.errors import DomainError
from mentorships import selectors, services
from mentorships.models import CheckIn, CheckInRecord, CheckInStatus, MentorshipStatus
from notifications.models import Notification
from participants.models import WeeklyAvailability
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def pair(org):
    """A mentor in Tokyo and a mentee in São Paulo, each with an account, in one mentorship."""
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(
        cohort=cohort,
        role="mentor",
        full_name="Kenji Watanabe",
        email="kenji@acme.test",
        user=UserFactory(email="kenji@acme.test"),
        time_zone="Asia/Tokyo",
        country="JP",
    )
    mentee = ParticipantFactory(
        cohort=cohort,
        role="mentee",
        full_name="Ana Souza",
        email="ana@acme.test",
        user=UserFactory(email="ana@acme.test"),
        time_zone="America/Sao_Paulo",
        country="BR",
    )
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def next_monday_utc(hour: int) -> dt.datetime:
    today = timezone.now().astimezone(UTC).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(monday, dt.time(hour), tzinfo=UTC)


def book(org, mentorship, actor, starts_at, **options):
    with scope(organization=org.pk):
        return services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=actor,
            starts_at=starts_at,
            duration=options.pop("duration", dt.timedelta(minutes=45)),
            **options,
        )


def invitation_of(message) -> Calendar:
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert filename == "invite.ics"
    assert mimetype.startswith("text/calendar; method=")
    return Calendar.from_ical(content)


class TestBooking:
    def test_both_members_get_an_invitation_in_their_own_zone(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, _mentor, mentee = pair
        starts_at = dt.datetime(2031, 6, 2, 0, tzinfo=UTC)  # a Monday
        with django_capture_on_commit_callbacks(execute=True):
            (check_in,) = book(org, mentorship, mentee.user, starts_at, agenda="Goals")
        assert check_in.organizer == mentee
        assert check_in.time_zone == "America/Sao_Paulo"
        assert check_in.ends_at - check_in.starts_at == dt.timedelta(minutes=45)
        by_recipient = {m.to[0]: m for m in mail.outbox}
        assert set(by_recipient) == {"kenji@acme.test", "ana@acme.test"}
        for message in mail.outbox:
            calendar = invitation_of(message)
            assert calendar["METHOD"] == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            assert str(event["UID"]) == check_in.ical_uid
            assert event.decoded("DTSTART") == starts_at
            assert {str(a) for a in event["ATTENDEE"]} == {
                "mailto:kenji@acme.test",
                "mailto:ana@acme.test",
            }
        # The mentor reads the time in Tokyo (UTC+9), the mentee in São Paulo (UTC-3).
        assert by_recipient["kenji@acme.test"].subject.endswith("June 2, 2031, 9 a.m.")
        assert by_recipient["ana@acme.test"].subject.endswith("June 1, 2031, 9 p.m.")
        assert "(Asia/Tokyo)" in by_recipient["kenji@acme.test"].body
        # Only the other side is told in the app; the organizer did it.
        with scope(organization=org.pk):
            notices = list(Notification.objects.for_org(org).values_list("user__email", flat=True))
        assert notices == ["kenji@acme.test"]

    def test_a_series_keeps_the_organizers_local_time_and_is_sent_once(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, mentor, _ = pair
        # The mentor's 09:00 in Tokyo every two weeks, three times.
        starts_at = next_monday_utc(0)
        with django_capture_on_commit_callbacks(execute=True):
            check_ins = book(org, mentorship, mentor.user, starts_at, every_weeks=2, occurrences=3)
        assert [c.starts_at for c in check_ins] == [
            starts_at + dt.timedelta(weeks=2 * i) for i in range(3)
        ]  # Tokyo has no daylight saving, so the instants are two weeks apart exactly
        assert len({c.ical_uid for c in check_ins}) == 1
        assert [c.recurrence_id for c in check_ins] == [c.starts_at for c in check_ins]
        assert len(mail.outbox) == 2  # one invitation for the series per person
        calendar = invitation_of(mail.outbox[0])
        expanded = recurring_ical_events.of(calendar).between(
            starts_at - dt.timedelta(days=1), starts_at + dt.timedelta(weeks=8)
        )
        assert sorted(e.decoded("DTSTART").astimezone(UTC) for e in expanded) == [
            c.starts_at for c in check_ins
        ]

    def test_a_series_across_a_clock_change_keeps_local_time(self, org, pair):
        mentorship, mentor, _ = pair
        mentor.time_zone = "Europe/Berlin"
        mentor.save(update_fields=["time_zone"])
        # 10:00 in Berlin on 20 October 2031 (CEST, 08:00 UTC) and two weeks later (CET, 09:00).
        check_ins = book(
            org, mentorship, mentor.user, dt.datetime(2031, 10, 20, 8, tzinfo=UTC),
            every_weeks=2, occurrences=2,
        )  # fmt: skip
        local = [c.starts_at.astimezone(ZoneInfo("Europe/Berlin")) for c in check_ins]
        assert [t.hour for t in local] == [10, 10]
        assert check_ins[1].starts_at == dt.datetime(2031, 11, 3, 9, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"duration": dt.timedelta(minutes=10)}, "duration"),
            ({"duration": dt.timedelta(hours=5)}, "duration"),
            ({"occurrences": 27, "every_weeks": 1}, "occurrences"),
            ({"occurrences": 0}, "occurrences"),
            ({"occurrences": 3}, "every_weeks"),
            ({"occurrences": 3, "every_weeks": 9}, "every_weeks"),
        ],
    )
    def test_bad_durations_and_series_are_refused_on_their_field(self, org, pair, options, field):
        mentorship, mentor, _ = pair
        with pytest.raises(DomainError) as refused:
            book(org, mentorship, mentor.user, next_monday_utc(1), **options)
        assert refused.value.field == field
        assert not CheckIn.objects.for_org(org).exists()

    def test_a_time_in_the_past_or_without_a_zone_is_refused(self, org, pair):
        mentorship, mentor, _ = pair
        with pytest.raises(DomainError) as past:
            book(org, mentorship, mentor.user, timezone.now() - dt.timedelta(minutes=1))
        assert past.value.field == "starts_at"
        with pytest.raises(DomainError):
            book(org, mentorship, mentor.user, dt.datetime(2031, 1, 6, 9))

    def test_only_members_book(self, org, pair, org_admin):
        mentorship, *_ = pair
        with pytest.raises(DomainError) as refused:
            book(org, mentorship, org_admin, next_monday_utc(1))
        assert refused.value.code == "permission_denied"

    def test_an_ended_mentorship_takes_no_bookings(self, org, pair):
        mentorship, mentor, _ = pair
        mentorship.status = MentorshipStatus.ENDED
        mentorship.save(update_fields=["status"])
        with pytest.raises(DomainError) as refused:
            book(org, mentorship, mentor.user, next_monday_utc(1))
        assert refused.value.code == "conflict"

    def test_a_mentor_cannot_be_in_two_check_ins_at_once(self, org, pair):
        mentorship, mentor, _ = pair
        other_mentee = ParticipantFactory(
            cohort=mentorship.cohort, user=UserFactory(), email="lee@acme.test"
        )
        with scope(organization=org.pk):
            second = services.mentorship_create_from_match(
                organization=org, cohort=mentorship.cohort, mentor=mentor, mentees=[other_mentee]
            )
        book(org, mentorship, mentor.user, next_monday_utc(1))
        with pytest.raises(DomainError) as refused:
            book(org, second, other_mentee.user, next_monday_utc(1) + dt.timedelta(minutes=30))
        assert refused.value.code == "conflict"
        # Back to back is fine.
        book(org, second, other_mentee.user, next_monday_utc(1) + dt.timedelta(minutes=45))

    def test_another_organizations_mentorship_is_not_found(self, other_org, pair):
        mentorship, mentor, _ = pair
        with pytest.raises(DomainError) as refused:
            book(other_org, mentorship, mentor.user, next_monday_utc(1))
        assert refused.value.code == "not_found"


class TestChanges:
    def test_moving_keeps_the_uid_raises_the_sequence_and_tells_everyone(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, mentor, mentee = pair
        (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1))
        later = next_monday_utc(3)
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            moved = services.check_in_reschedule(
                organization=org, check_in=check_in, actor=mentee.user, starts_at=later
            )
        assert moved.sequence == 1 and moved.starts_at == later
        assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=45)
        assert len(mail.outbox) == 2
        for message in mail.outbox:
            (event,) = invitation_of(message).walk("VEVENT")
            assert str(event["UID"]) == check_in.ical_uid
            assert event["SEQUENCE"] == 1
            assert "RECURRENCE-ID" not in event

    def test_moving_one_occurrence_of_a_series_names_it(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, mentor, _ = pair
        check_ins = book(
            org, mentorship, mentor.user, next_monday_utc(1), every_weeks=1, occurrences=3
        )
        second = check_ins[1]
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            services.check_in_reschedule(
                organization=org,
                check_in=second,
                actor=mentor.user,
                starts_at=second.starts_at + dt.timedelta(hours=2),
            )
        (event,) = invitation_of(mail.outbox[0]).walk("VEVENT")
        assert event.decoded("RECURRENCE-ID") == second.recurrence_id
        assert "RRULE" not in event

    def test_cancelling_sends_a_cancel_and_is_final(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, mentor, mentee = pair
        (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1))
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            services.check_in_cancel(
                organization=org, check_in=check_in, actor=mentee.user, reason="Ill"
            )
        check_in.refresh_from_db()
        assert check_in.status == CheckInStatus.CANCELLED and check_in.sequence == 1
        assert len(mail.outbox) == 2
        for message in mail.outbox:
            calendar = invitation_of(message)
            assert calendar["METHOD"] == "CANCEL"
            (event,) = calendar.walk("VEVENT")
            assert str(event["STATUS"]) == "CANCELLED"
        assert "Ill" in mail.outbox[0].body
        with scope(organization=org.pk), pytest.raises(DomainError):
            services.check_in_cancel(organization=org, check_in=check_in, actor=mentee.user)
        with scope(organization=org.pk), pytest.raises(DomainError):
            services.check_in_reschedule(
                organization=org, check_in=check_in, actor=mentee.user, starts_at=next_monday_utc(5)
            )

    def test_a_cancelled_check_in_frees_its_time(self, org, pair):
        mentorship, mentor, _ = pair
        (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1))
        with scope(organization=org.pk):
            services.check_in_cancel(organization=org, check_in=check_in, actor=mentor.user)
        book(org, mentorship, mentor.user, next_monday_utc(1))

    def test_invitations_go_out_once_even_when_sent_again(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, mentor, _ = pair
        with django_capture_on_commit_callbacks() as callbacks:
            book(org, mentorship, mentor.user, next_monday_utc(1))
        with scope(organization=org.pk):
            for callback in callbacks * 2:  # a retried task runs the same send again
                callback()
        assert len(mail.outbox) == 2
        assert Notification.objects.for_org(org).count() == 1


class TestRecords:
    def _started(self, org, pair):
        mentorship, mentor, mentee = pair
        (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(5))
        CheckIn.objects.for_org(org).filter(pk=check_in.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=1),
            ends_at=timezone.now() - dt.timedelta(minutes=15),
        )
        return check_in, mentor, mentee

    def record(self, org, check_in, user, **answers):
        with scope(organization=org.pk):
            return services.check_in_record(
                organization=org, check_in=check_in, actor=user, **answers
            )

    def test_each_member_records_their_own_and_can_change_it(self, org, pair):
        check_in, mentor, mentee = self._started(org, pair)
        self.record(org, check_in, mentor.user, happened=True, rating=4, comment="Good")
        self.record(org, check_in, mentee.user, happened=True, rating=5)
        self.record(org, check_in, mentor.user, happened=True, rating=3)
        ratings = dict(
            CheckInRecord.objects.for_org(org).values_list("participant__email", "rating")
        )
        assert ratings == {"kenji@acme.test": 3, "ana@acme.test": 5}

    def test_a_check_in_that_did_not_happen_has_no_rating(self, org, pair):
        check_in, mentor, _ = self._started(org, pair)
        record = self.record(org, check_in, mentor.user, happened=False, rating=5)
        assert record.rating is None

    def test_a_rating_is_1_to_5(self, org, pair):
        check_in, mentor, _ = self._started(org, pair)
        for rating in (0, 6):
            with pytest.raises(DomainError) as refused:
                self.record(org, check_in, mentor.user, happened=True, rating=rating)
            assert refused.value.field == "rating"

    def test_not_before_it_starts_and_not_by_outsiders(self, org, pair, org_admin):
        mentorship, mentor, _ = pair
        (upcoming,) = book(org, mentorship, mentor.user, next_monday_utc(1))
        with pytest.raises(DomainError) as early:
            self.record(org, upcoming, mentor.user, happened=True)
        assert early.value.code == "conflict"
        check_in, _, _ = self._started(org, pair)
        with pytest.raises(DomainError) as outsider:
            self.record(org, check_in, org_admin, happened=True)
        assert outsider.value.code == "permission_denied"


class TestSlots:
    def test_slots_are_when_both_are_free_and_neither_is_booked(self, org, pair):
        mentorship, mentor, mentee = pair
        # Mentor: Mondays 08:00-10:00 in Tokyo = Sunday 23:00 to Monday 01:00 UTC.
        # Mentee: Sundays 20:00-23:00 in São Paulo = Sunday 23:00 to Monday 02:00 UTC.
        WeeklyAvailability.objects.create(
            organization=org,
            participant=mentor,
            weekday=0,
            starts_at=dt.time(8),
            ends_at=dt.time(10),
        )
        WeeklyAvailability.objects.create(
            organization=org,
            participant=mentee,
            weekday=6,
            starts_at=dt.time(20),
            ends_at=dt.time(23),
        )
        monday = next_monday_utc(0)
        window = (monday - dt.timedelta(hours=2), monday + dt.timedelta(hours=4))
        with scope(organization=org.pk):
            slots = selectors.check_in_slots(
                organization=org, mentorship=mentorship, start=window[0], end=window[1],
                duration=dt.timedelta(hours=1),
            )  # fmt: skip
        assert [s.start for s in slots] == [
            monday - dt.timedelta(hours=1),
            monday - dt.timedelta(minutes=30),
            monday,
        ]
        book(org, mentorship, mentor.user, monday)
        with scope(organization=org.pk):
            slots = selectors.check_in_slots(
                organization=org, mentorship=mentorship, start=window[0], end=window[1],
                duration=dt.timedelta(minutes=30),
            )  # fmt: skip
        assert [s.start for s in slots] == [
            monday - dt.timedelta(hours=1),
            monday - dt.timedelta(minutes=30),
        ]

    def test_working_hours_stand_in_for_availability(self, org, pair):
        _, mentor, _ = pair
        with scope(organization=org.pk):
            person = selectors.availability_of(organization=org, participant=mentor)
        assert person.time_zone == "Asia/Tokyo" and person.country == "JP"
        assert [(w.weekday, w.start_minute, w.end_minute) for w in person.windows] == [
            (day, 9 * 60, 17 * 60) for day in range(5)
        ]

    def test_a_night_shift_runs_past_midnight(self, org, pair):
        _, mentor, _ = pair
        mentor.working_hours_start, mentor.working_hours_end = dt.time(22), dt.time(6)
        mentor.save(update_fields=["working_hours_start", "working_hours_end"])
        with scope(organization=org.pk):
            person = selectors.availability_of(organization=org, participant=mentor)
        assert (0, 22 * 60, 24 * 60) in [
            (w.weekday, w.start_minute, w.end_minute) for w in person.windows
        ]
        assert (1, 0, 6 * 60) in [(w.weekday, w.start_minute, w.end_minute) for w in person.windows]


def test_check_in_get_refuses_another_organizations_id(org, other_org, pair):
    mentorship, mentor, _ = pair
    (check_in,) = book(org, mentorship, mentor.user, next_monday_utc(1))
    with scope(organization=other_org.pk), pytest.raises(DomainError) as refused:
        selectors.check_in_get(organization=other_org, check_in_id=check_in.pk)
    assert refused.value.code == "not_found"
