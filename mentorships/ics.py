"""Calendar files (RFC 5545) for check-ins: invitations by email and each person's feed.

Built with `icalendar`, never by string. Times are written in the organizer's zone with its
VTIMEZONE, so a recurring series keeps its wall-clock time across daylight-saving changes in
every calendar client. A check-in keeps one UID for its whole life; each change raises SEQUENCE,
which is how Google, Outlook and Apple tell an update from a new event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

PRODUCT_ID = "-//Meridian//Mentoring check-ins//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"  # a new or changed meeting
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"  # a subscribed feed: no replies expected


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime  # aware
    end: datetime
    time_zone: str  # the organizer's, in which the times are written
    summary: str
    organizer: Attendee
    stamp: datetime  # when this version was made (DTSTAMP)
    attendees: tuple[Attendee, ...] = field(default=())
    description: str = ""
    location: str = ""
    url: str = ""
    rrule: str = ""  # e.g. "FREQ=WEEKLY;INTERVAL=2;COUNT=6"
    # One occurrence of a series, named by its original start (RECURRENCE-ID).
    recurrence_id: datetime | None = None
    cancelled: bool = False


def _address(person: Attendee, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = value
    return address


def _event(item: CalendarEvent) -> Event:
    zone = ZoneInfo(item.time_zone)
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", item.stamp)
    event.add("dtstart", item.start.astimezone(zone))
    event.add("dtend", item.end.astimezone(zone))
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.rrule:
        event.add("rrule", vRecur.from_ical(item.rrule))
    if item.recurrence_id is not None:
        event.add("recurrence-id", item.recurrence_id.astimezone(zone))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("organizer", _address(item.organizer))
    for attendee in item.attendees:
        event.add(
            "attendee",
            _address(attendee, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
        )
    return event


def _calendar(method: Method, events: Iterable[CalendarEvent], name: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if name:
        calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(_event(item))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation(item: CalendarEvent) -> bytes:
    """The file attached to the email for a booked, changed or cancelled check-in."""
    return _calendar(Method.CANCEL if item.cancelled else Method.REQUEST, [item])


def feed(events: Iterable[CalendarEvent], *, name: str) -> bytes:
    """A person's subscribed calendar: every check-in they take part in."""
    return _calendar(Method.PUBLISH, events, name)
