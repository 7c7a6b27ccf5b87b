"""Every calendar file parses back with `icalendar`, and a recurring series expands with
`recurring-ical-events` to the instants `scheduling.series` computes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar

from mentorships.ics import Attendee, CalendarEvent, feed, invitation
from mentorships.scheduling import series, series_rule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MENTOR = Attendee("kenji@example.com", "Kenji Watanabe")
MENTEE = Attendee("ana@example.com", "Ana Souza")


def check_in(**changes) -> CalendarEvent:
    values = {
        "uid": "checkin-41@meridian.example",
        "sequence": 0,
        "start": utc(2025, 9, 14, 23),
        "end": utc(2025, 9, 15, 0),
        "time_zone": "Asia/Tokyo",
        "summary": "Check-in: Ana and Kenji",
        "organizer": MENTOR,
        "attendees": (MENTOR, MENTEE),
        "stamp": utc(2025, 9, 1, 12),
        "description": "Agenda: goals for the quarter",
        "location": "https://meet.example/abc",
    }
    values.update(changes)
    return CalendarEvent(**values)


def only_event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_an_invitation_is_a_request_written_in_the_organizers_zone():
    calendar, event = only_event(invitation(check_in()))
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == "checkin-41@meridian.example"
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start == utc(2025, 9, 14, 23)
    assert str(start.tzinfo) == "Asia/Tokyo"
    assert start.hour == 8  # Monday 08:00 in Tokyo
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(event["ORGANIZER"]) == "mailto:kenji@example.com"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert attendees["mailto:ana@example.com"]["CN"] == "Ana Souza"
    assert attendees["mailto:ana@example.com"]["RSVP"] == "TRUE"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "https://meet.example/abc"


def test_a_change_keeps_the_uid_and_raises_the_sequence():
    _, first = only_event(invitation(check_in()))
    _, moved = only_event(
        invitation(check_in(sequence=1, start=utc(2025, 9, 21, 23), end=utc(2025, 9, 22, 0)))
    )
    assert moved["UID"] == first["UID"]
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == utc(2025, 9, 21, 23)


def test_a_cancellation_is_a_cancel_with_the_same_uid():
    calendar, event = only_event(invitation(check_in(sequence=2, cancelled=True)))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2


def test_a_recurring_series_expands_to_the_same_instants_across_a_clock_change():
    first = utc(2025, 10, 27, 13)  # Monday 09:00 in New York, EDT
    rule = series_rule(every_weeks=1, count=3)
    data = invitation(
        check_in(
            start=first, end=first + timedelta(minutes=45), time_zone="America/New_York", rrule=rule
        )
    )
    calendar = Calendar.from_ical(data)
    expanded = recurring_ical_events.of(calendar).between(utc(2025, 10, 1), utc(2025, 12, 31))
    starts = sorted(event.decoded("DTSTART").astimezone(UTC) for event in expanded)
    assert starts == list(series(first, "America/New_York", every_weeks=1, count=3))
    assert starts[1] == utc(2025, 11, 3, 14)  # still 09:00 local after New York leaves EDT


def test_a_feed_holds_every_event_and_the_zones_they_need():
    data = feed(
        [check_in(), check_in(uid="checkin-42@meridian.example", time_zone="America/Sao_Paulo")],
        name="Meridian check-ins",
    )
    calendar = Calendar.from_ical(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Meridian check-ins"
    assert sorted(str(e["UID"]) for e in calendar.walk("VEVENT")) == [
        "checkin-41@meridian.example",
        "checkin-42@meridian.example",
    ]
    assert sorted(tz["TZID"] for tz in calendar.walk("VTIMEZONE")) == [
        "America/Sao_Paulo",
        "Asia/Tokyo",
    ]
