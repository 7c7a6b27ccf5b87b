"""Check-ins: booking, moving, cancelling and recording, with calendar invitations."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.texts import join_names
from mentorships import ics, scheduling, selectors
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInReminder,
    CheckInStatus,
    Mentorship,
    MentorshipStatus,
)
from mentorships.services.reminders import plan_reminders
from notifications.models import EmailKind
from notifications.services import Attachment, email_send, notify
from organizations.models import Organization
from participants.models import Participant
from webhooks.services import EventType, event_emit

# --- Check-ins -------------------------------------------------------------------------------

CHECK_IN_SHORTEST = dt.timedelta(minutes=15)
CHECK_IN_LONGEST = dt.timedelta(hours=4)
SERIES_MOST_OCCURRENCES = 26  # a year of fortnightly meetings
SERIES_LONGEST_GAP_WEEKS = 8


def _check_times(starts_at: dt.datetime, duration: dt.timedelta) -> None:
    if timezone.is_naive(starts_at):
        raise DomainError(_("Give the time with its time zone."), field="starts_at")
    if starts_at <= timezone.now():
        raise DomainError(_("Choose a time in the future."), field="starts_at")
    if not CHECK_IN_SHORTEST <= duration <= CHECK_IN_LONGEST:
        raise DomainError(_("A check-in lasts between 15 minutes and 4 hours."), field="duration")


def _refuse_conflicts(
    organization: Organization,
    members: list[Participant],
    times: list[tuple[dt.datetime, dt.datetime]],
    *,
    ignore: CheckIn | None = None,
) -> None:
    for begins, ends in times:
        busy = selectors.busy_intervals(
            organization=organization, participants=members, start=begins, end=ends
        )
        if ignore is not None:
            busy = [b for b in busy if b != (ignore.starts_at, ignore.ends_at)]
        if busy:
            raise DomainError(
                _("Someone in this mentorship already has a check-in at that time."),
                field="starts_at",
                code="conflict",
            )


@transaction.atomic
def check_in_book(
    *,
    organization: Organization,
    mentorship: Mentorship,
    actor: User,
    starts_at: dt.datetime,
    duration: dt.timedelta,
    agenda: str = "",
    location: str = "",
    every_weeks: int | None = None,
    occurrences: int = 1,
) -> list[CheckIn]:
    """Book a check-in, or a series every `every_weeks` weeks that keeps the organizer's local
    time, and send everyone an invitation their calendar accepts."""
    mentorship = _lock_active(organization, mentorship)
    organizer = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    _check_times(starts_at, duration)
    if not 1 <= occurrences <= SERIES_MOST_OCCURRENCES:
        raise DomainError(
            _("A series has between 1 and %(most)d check-ins.") % {"most": SERIES_MOST_OCCURRENCES},
            field="occurrences",
        )
    if occurrences > 1 and not (every_weeks and 1 <= every_weeks <= SERIES_LONGEST_GAP_WEEKS):
        raise DomainError(
            _("Repeat every 1 to %(most)d weeks.") % {"most": SERIES_LONGEST_GAP_WEEKS},
            field="every_weeks",
        )
    members = selectors.mentorship_members(organization=organization, mentorship=mentorship)
    starts = (
        list(
            scheduling.series(
                starts_at, organizer.time_zone, every_weeks=every_weeks or 1, count=occurrences
            )
        )
        if occurrences > 1
        else [starts_at]
    )
    _refuse_conflicts(organization, members, [(s, s + duration) for s in starts])
    uid = f"{uuid.uuid4()}@meridian"
    check_ins = CheckIn.objects.bulk_create(
        [
            CheckIn(
                organization=organization,
                mentorship=mentorship,
                organizer=organizer,
                starts_at=start,
                ends_at=start + duration,
                time_zone=organizer.time_zone,
                agenda=agenda,
                location=location,
                ical_uid=uid,
                recurrence_id=start if occurrences > 1 else None,
            )
            for start in starts
        ]
    )
    plan_reminders(organization, check_ins)
    rule = scheduling.series_rule(every_weeks=every_weeks or 1, count=occurrences)
    _send_invitations(
        organization,
        members,
        organizer,
        check_ins[0],
        kind="booked",
        rrule=rule if occurrences > 1 else "",
        count=occurrences,
    )
    return check_ins


def _lock_active(organization: Organization, mentorship: Mentorship) -> Mentorship:
    locked = (
        Mentorship.objects.for_org(organization)
        .select_for_update()
        .filter(pk=mentorship.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    if locked.status != MentorshipStatus.ACTIVE:
        raise DomainError(_("This mentorship is no longer active."), code="conflict")
    return locked


def _lock_scheduled(organization: Organization, check_in: CheckIn) -> CheckIn:
    locked = (
        CheckIn.objects.for_org(organization)
        .select_for_update()
        .select_related("mentorship")
        .filter(pk=check_in.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such check-in."), code="not_found")
    if locked.status != CheckInStatus.SCHEDULED:
        raise DomainError(_("This check-in was cancelled."), code="conflict")
    return locked


@transaction.atomic
def check_in_reschedule(
    *,
    organization: Organization,
    check_in: CheckIn,
    actor: User,
    starts_at: dt.datetime,
    duration: dt.timedelta | None = None,
) -> CheckIn:
    """Move one check-in (one occurrence of a series moves alone); calendars update it."""
    check_in = _lock_scheduled(organization, check_in)
    _lock_active(organization, check_in.mentorship)
    selectors.mentorship_member(
        organization=organization, mentorship=check_in.mentorship, user=actor
    )
    duration = duration or (check_in.ends_at - check_in.starts_at)
    _check_times(starts_at, duration)
    members = selectors.mentorship_members(
        organization=organization, mentorship=check_in.mentorship
    )
    _refuse_conflicts(organization, members, [(starts_at, starts_at + duration)], ignore=check_in)
    check_in.starts_at = starts_at
    check_in.ends_at = starts_at + duration
    check_in.sequence += 1
    check_in.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
    plan_reminders(organization, [check_in])
    organizer = next(p for p in members if p.pk == check_in.organizer_id)
    _send_invitations(organization, members, organizer, check_in, kind="moved")
    return check_in


@transaction.atomic
def check_in_cancel(
    *, organization: Organization, check_in: CheckIn, actor: User, reason: str = ""
) -> CheckIn:
    check_in = _lock_scheduled(organization, check_in)
    selectors.mentorship_member(
        organization=organization, mentorship=check_in.mentorship, user=actor
    )
    check_in.status = CheckInStatus.CANCELLED
    check_in.cancel_reason = reason[:500]
    check_in.sequence += 1
    check_in.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    CheckInReminder.objects.for_org(organization).filter(
        check_in=check_in, sent_at__isnull=True
    ).delete()
    members = selectors.mentorship_members(
        organization=organization, mentorship=check_in.mentorship
    )
    organizer = next(p for p in members if p.pk == check_in.organizer_id)
    _send_invitations(organization, members, organizer, check_in, kind="cancelled")
    return check_in


@transaction.atomic
def check_in_record(
    *,
    organization: Organization,
    check_in: CheckIn,
    actor: User,
    happened: bool,
    rating: int | None = None,
    comment: str = "",
) -> CheckInRecord:
    """Each member's own account of a check-in that has started; saying it again replaces it."""
    check_in = selectors.check_in_get(organization=organization, check_in_id=check_in.pk)
    participant = selectors.mentorship_member(
        organization=organization, mentorship=check_in.mentorship, user=actor
    )
    if check_in.status != CheckInStatus.SCHEDULED:
        raise DomainError(_("This check-in was cancelled."), code="conflict")
    if check_in.starts_at > timezone.now():
        raise DomainError(_("You can say how it went once it has started."), code="conflict")
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError(_("Rate from 1 to 5."), field="rating")
    if not happened:
        rating = None
    record, _created = CheckInRecord.objects.for_org(organization).update_or_create(
        organization=organization,
        check_in=check_in,
        participant=participant,
        defaults={"happened": happened, "rating": rating, "comment": comment[:2000]},
    )
    if happened:  # each member's account is an event; receivers group them by check_in_id
        event_emit(
            organization_id=organization.pk,
            event_type=EventType.CHECK_IN_HELD,
            payload={
                "check_in_id": check_in.pk,
                "mentorship_id": check_in.mentorship_id,
                "starts_at": check_in.starts_at,
                "reported_by_participant_id": participant.pk,
            },
        )
    return record


def _calendar_event(
    check_in: CheckIn,
    members: list[Participant],
    organizer: Participant,
    *,
    summary: str,
    rrule: str = "",
) -> ics.CalendarEvent:
    # A series is sent once, as its first occurrence with the rule; a later change to one
    # occurrence names it by its original start.
    single_change = bool(check_in.recurrence_id) and not rrule
    return ics.CalendarEvent(
        uid=check_in.ical_uid,
        sequence=check_in.sequence,
        start=check_in.starts_at,
        end=check_in.ends_at,
        time_zone=check_in.time_zone,
        summary=summary,
        organizer=ics.Attendee(organizer.email, organizer.full_name),
        attendees=tuple(ics.Attendee(p.email, p.full_name) for p in members),
        stamp=timezone.now(),
        description=check_in.agenda,
        location=check_in.location,
        rrule=rrule,
        recurrence_id=check_in.recurrence_id if single_change else None,
        cancelled=check_in.status == CheckInStatus.CANCELLED,
    )


def _send_invitations(
    organization: Organization,
    members: list[Participant],
    organizer: Participant,
    check_in: CheckIn,
    *,
    kind: str,
    rrule: str = "",
    count: int = 1,
) -> None:
    """Every member gets the calendar file by email, each in their own language and zone; the
    others also get an in-app notice. Once per member and version of the check-in, sent after
    the booking commits."""
    url = reverse("dashboard", args=[organization.slug])
    series_key = f":series{count}" if rrule else ""

    def send() -> None:
        for person in members:
            language = (person.user.language if person.user else "") or None
            others = [p.full_name for p in members if p.pk != person.pk]
            with translation.override(language or translation.get_language()):
                summary = _("Mentoring check-in with %(names)s") % {"names": join_names(others)}
                event = _calendar_event(check_in, members, organizer, summary=summary, rrule=rrule)
            context = {
                "kind": kind,
                "organizer": organizer.full_name,
                "others": others,
                # The booking reads "You booked … with <others>" for the organizer, and
                # "<organizer> booked … with you (and <the rest>)" for everyone else.
                "booked_by_you": person.pk == organizer.pk,
                "also_invited": [
                    p.full_name for p in members if p.pk not in (person.pk, organizer.pk)
                ],
                "starts_at": check_in.starts_at.astimezone(zoneinfo.ZoneInfo(person.time_zone)),
                "time_zone": person.time_zone,
                "occurrences": count,
                "agenda": check_in.agenda,
                "location": check_in.location,
                "reason": check_in.cancel_reason,
                "url": url,
                "site_url": settings.SITE_URL,
            }
            method = "CANCEL" if event.cancelled else "REQUEST"
            key = f"check-in:{check_in.pk}:{check_in.sequence}{series_key}:{person.pk}"
            attachment = Attachment(
                "invite.ics",
                ics.invitation(event),
                f"text/calendar; method={method}; charset=utf-8",
            )
            if person.pk == organizer.pk and kind == "booked":
                email_send(
                    organization=organization,
                    to=person.email,
                    template="check_in",
                    context=context,
                    idempotency_key=key,
                    language=language,
                    attachments=[attachment],
                    kind=EmailKind.CHECK_INS,
                )
                continue
            with translation.override(language or translation.get_language()):
                text = _check_in_notice(kind, check_in, organizer, person)
            notify(
                organization=organization,
                email=person.email,
                user=person.user,
                template="check_in",
                context=context,
                text=text,
                url=url,
                idempotency_key=key,
                attachments=[attachment],
                kind=EmailKind.CHECK_INS,
            )

    transaction.on_commit(send)


def _check_in_notice(
    kind: str, check_in: CheckIn, organizer: Participant, person: Participant
) -> str:
    when = date_format(
        check_in.starts_at.astimezone(zoneinfo.ZoneInfo(person.time_zone)), "DATETIME_FORMAT"
    )
    if kind == "cancelled":
        return _("The check-in on %(when)s was cancelled.") % {"when": when}
    if kind == "moved":
        return _("A check-in moved to %(when)s.") % {"when": when}
    return _("%(name)s booked a check-in on %(when)s.") % {
        "name": organizer.full_name,
        "when": when,
    }
