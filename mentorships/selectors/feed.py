"""A person's calendar feed: their check-ins across every organization they take part in."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import CalendarFeed, User
from core.tenancy import in_organization
from mentorships import ics
from mentorships.models import CheckIn, CheckInStatus
from mentorships.selectors.mentorships import members_by_mentorship
from participants.models import Participant

FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=366)


def calendar_feed_events(*, user: User, now: dt.datetime | None = None) -> list[ics.CalendarEvent]:
    """Every check-in of the user's participations from two months back to a year ahead,
    cancelled ones included so subscribed calendars drop them. Each organization is read inside
    its own tenant scope; the only query across organizations asks where the user takes part."""
    now = now or timezone.now()
    organization_ids = sorted(
        set(
            Participant.objects.with_scopes_disabled()
            .filter(user=user)
            .values_list("organization_id", flat=True)
        )
    )
    events: list[ics.CalendarEvent] = []
    for organization_id in organization_ids:
        with in_organization(organization_id):
            events += _events_in(organization_id, user, now)
    return sorted(events, key=lambda event: (event.start, event.uid))


def _events_in(organization_id: int, user: User, now: dt.datetime) -> list[ics.CalendarEvent]:
    check_ins = list(
        CheckIn.objects.for_org(organization_id)
        .filter(
            Q(mentorship__mentor__user=user) | Q(mentorship__memberships__mentee__user=user),
            starts_at__gte=now - FEED_PAST,
            starts_at__lte=now + FEED_FUTURE,
        )
        .select_related("organizer")
        .distinct()
        .order_by("starts_at", "id")
    )
    if not check_ins:
        return []
    members = members_by_mentorship(
        organization=organization_id,
        mentorship_ids={c.mentorship_id for c in check_ins},
    )
    events = []
    with translation.override(user.language or translation.get_language()):
        for check_in in check_ins:
            people = members[check_in.mentorship_id]
            others = ", ".join(p["full_name"] for p in people if p["user_id"] != user.pk)
            events.append(
                ics.CalendarEvent(
                    uid=_feed_uid(check_in),
                    sequence=check_in.sequence,
                    start=check_in.starts_at,
                    end=check_in.ends_at,
                    time_zone=check_in.time_zone,
                    summary=_("Mentoring check-in with %(names)s") % {"names": others},
                    organizer=ics.Attendee(check_in.organizer.email, check_in.organizer.full_name),
                    attendees=tuple(ics.Attendee(p["email"], p["full_name"]) for p in people),
                    stamp=check_in.updated_at,
                    description=check_in.agenda,
                    location=check_in.location,
                    cancelled=check_in.status == CheckInStatus.CANCELLED,
                )
            )
    return events


def _feed_uid(check_in: CheckIn) -> str:
    """A feed lists occurrences one by one, with no series to hang them on, so each occurrence
    of a series gets a UID of its own (a lone overridden occurrence confuses calendars)."""
    if check_in.recurrence_id is None:
        return check_in.ical_uid
    return f"{check_in.recurrence_id:%Y%m%dT%H%M%SZ}-{check_in.ical_uid}"


def calendar_feed_live(*, user: User) -> CalendarFeed | None:
    """The person's working feed address, if any (only its hash and dates are kept)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
