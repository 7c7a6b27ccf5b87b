"""Reminders before check-ins: planned as rows, sent by the minute scan."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.memory import gc_paused
from mentorships import selectors
from mentorships.models import (
    CheckIn,
    CheckInReminder,
    CheckInStatus,
    EngagementSettings,
    Mentorship,
    MentorshipStatus,
)
from notifications.models import EmailKind
from notifications.services import Outgoing, formatted_datetime, notices_send
from organizations.models import Organization

# --- Reminders -------------------------------------------------------------------------------

# How long before a check-in each reminder goes out, in hours, when the program has no
# EngagementSettings row (the model's default too).
DEFAULT_REMINDER_HOURS: tuple[int, ...] = (24, 1)
REMINDER_BATCH = 500


def reminder_hours_of(
    organization: Organization, program_ids: set[int]
) -> dict[int, tuple[int, ...]]:
    """Each program's reminder hours, largest first; the defaults without a settings row."""
    saved = dict(
        EngagementSettings.objects.for_org(organization)
        .filter(program_id__in=program_ids)
        .values_list("program_id", "reminder_hours")
    )
    return {
        program_id: tuple(
            sorted({int(h) for h in saved.get(program_id, DEFAULT_REMINDER_HOURS)}, reverse=True)
        )
        for program_id in program_ids
    }


def plan_reminders(organization: Organization, check_ins: Sequence[CheckIn]) -> None:
    """The reminders of freshly set times, at the hours the mentorship's program chose
    (EngagementSettings.reminder_hours; 24 and 1 hours before without a row). One whose
    moment has already passed is left out: the invitation just sent tells people as much."""
    now = timezone.now()
    CheckInReminder.objects.for_org(organization).filter(
        check_in__in=check_ins, sent_at__isnull=True
    ).delete()
    if not check_ins:
        return
    program_of = dict(
        CheckIn.objects.for_org(organization)
        .filter(pk__in=[c.pk for c in check_ins])
        .values_list("pk", "mentorship__cohort__program_id")
    )
    hours_of = reminder_hours_of(organization, set(program_of.values()))
    CheckInReminder.objects.bulk_create(
        [
            CheckInReminder(
                organization=organization,
                check_in=check_in,
                kind=f"{hours}h",
                due_at=check_in.starts_at - dt.timedelta(hours=hours),
            )
            for check_in in check_ins
            for hours in hours_of[program_of[check_in.pk]]
            if check_in.starts_at - dt.timedelta(hours=hours) > now
        ]
    )


def check_in_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due, each once per person. Returns the emails sent.

    Workers claim batches of due rows with FOR UPDATE SKIP LOCKED, so two scans at once split
    the work instead of waiting on each other; each person's email is also claimed by its key
    (reminder and person) in the same transaction, so a batch sent again sends nothing twice.
    A worker lost mid-batch leaves that transaction open: PostgreSQL rolls it back and frees
    its rows, and the next scan takes the batch back whole. Emails are handed to the mail
    server as the batch's last step, so only a loss during that hand-over can repeat one (with
    the same Message-ID). A reminder whose check-in has started is dropped unsent."""
    now = now or timezone.now()
    sent = 0
    # A scan makes a few objects per email (the locmem backend keeps every message), and each
    # collection the allocations set off would walk all of them: the collector is paused.
    with gc_paused():
        while True:
            with transaction.atomic():
                batch = _due_reminders_claimed(organization, now)
                if not batch:
                    return sent
                upcoming = [
                    r
                    for r in batch
                    if r.starts_at > now
                    and r.status == CheckInStatus.SCHEDULED
                    # A paused or closed mentorship gets no reminders.
                    and r.mentorship_status == MentorshipStatus.ACTIVE
                ]
                sent += notices_send(
                    organization=organization,
                    template="check_in_reminder",
                    outgoing=_reminder_messages(organization, upcoming),
                    kind=EmailKind.REMINDERS,
                )


class _DueReminder(NamedTuple):
    """What a scan reads of a due reminder, its check-in and mentorship."""

    pk: int
    kind: str
    mentorship_id: int
    starts_at: dt.datetime
    status: str
    agenda: str
    location: str
    mentorship_status: str


def _due_reminders_claimed(organization: Organization, now: dt.datetime) -> list[_DueReminder]:
    """The next batch of unsent due reminders, oldest first, claimed: locked FOR UPDATE SKIP
    LOCKED (those another scan holds are passed over) and marked sent in the transaction that
    sends them, so a rollback leaves them due. Read as plain rows with their check-in and
    mentorship: model instances cost more than the rest of the read."""
    if connection.vendor == "postgresql":
        return _due_reminders_claimed_postgresql(organization, now)
    claimed = (
        CheckInReminder.objects.for_org(organization)
        .select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values("pk")[:REMINDER_BATCH]
    )
    rows = [
        _DueReminder(*row)
        for row in CheckInReminder.objects.for_org(organization)
        .filter(pk__in=claimed)
        .order_by("due_at", "pk")
        .values_list(
            "pk",
            "kind",
            "check_in__mentorship_id",
            "check_in__starts_at",
            "check_in__status",
            "check_in__agenda",
            "check_in__location",
            "check_in__mentorship__status",
        )
    ]
    CheckInReminder.objects.for_org(organization).filter(pk__in=[r.pk for r in rows]).update(
        sent_at=now
    )
    return rows


def _due_reminders_claimed_postgresql(
    organization: Organization, now: dt.datetime
) -> list[_DueReminder]:
    """`_due_reminders_claimed` in one statement: the lock, the mark and the read. The lock
    is taken over the reminders alone, so the check-in and mentorship rows joined for reading
    are not locked; each table is filtered by the organization, row-level security or not.
    The claim walks the partial index of unsent reminders in due order (a table without
    statistics gets a plan that sorts every due row for each batch instead)."""
    reminder, check_in, mentorship = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (CheckInReminder, CheckIn, Mentorship)
    )
    sql = f"""
        WITH due AS (
            SELECT id FROM {reminder}
            WHERE organization_id = %(organization)s AND sent_at IS NULL AND due_at <= %(now)s
            ORDER BY due_at, id
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE {reminder} AS r SET sent_at = %(now)s
            FROM due
            WHERE r.id = due.id AND r.organization_id = %(organization)s
            RETURNING r.id, r.kind, r.check_in_id, r.due_at
        )
        SELECT claimed.id, claimed.kind, c.mentorship_id, c.starts_at, c.status, c.agenda,
               c.location, m.status
        FROM claimed
        JOIN {check_in} AS c ON c.id = claimed.check_in_id
            AND c.organization_id = %(organization)s
        JOIN {mentorship} AS m ON m.id = c.mentorship_id
            AND m.organization_id = %(organization)s
        ORDER BY claimed.due_at, claimed.id
    """  # noqa: S608 — table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, {"organization": organization.pk, "now": now, "limit": REMINDER_BATCH})
        return [_DueReminder(*row) for row in cursor.fetchall()]


# What the reminder templates only print, filled into one shared render per language, zone and
# kind (notifications.services.Outgoing.fill_in).
_PER_PERSON = frozenset({"names", "starts_at", "agenda", "location"})


def _reminder_messages(organization: Organization, reminders: list[_DueReminder]) -> list[Outgoing]:
    members = selectors.members_by_mentorship(
        organization=organization, mentorship_ids={r.mentorship_id for r in reminders}
    )
    url = reverse("dashboard", args=[organization.slug])
    default_language = translation.get_language()
    # Each person's start time in their zone, and the in-app line's wording and time by
    # (language, zone, start): a scan's people share a few of each. Made a language at a time,
    # as switching languages per person costs more than the rest of the line.
    local_starts: dict[tuple[str, dt.datetime], dt.datetime] = {}
    needed: dict[str, set[tuple[str, dt.datetime]]] = {}
    for reminder in reminders:
        for person in members[reminder.mentorship_id]:
            zone = person["time_zone"]
            key = (zone, reminder.starts_at)
            if key not in local_starts:
                local_starts[key] = reminder.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
            needed.setdefault(person["user__language"] or "", set()).add(key)
    lines: dict[tuple[str, str, dt.datetime], tuple[str, str]] = {}
    for language, keys in needed.items():
        with translation.override(language or default_language):
            wording = _("Reminder: check-in with %(names)s on %(when)s.")
            for zone, starts_at in keys:
                when = formatted_datetime(local_starts[zone, starts_at])
                lines[language, zone, starts_at] = (wording, when)
    site_url = settings.SITE_URL
    messages = []
    for reminder in reminders:
        people = members[reminder.mentorship_id]
        for person in people:
            zone = person["time_zone"]
            others = ", ".join(p["full_name"] for p in people if p["id"] != person["id"])
            language = person["user__language"] or ""
            wording, when = lines[language, zone, reminder.starts_at]
            messages.append(
                Outgoing(
                    idempotency_key=f"check-in-reminder:{reminder.pk}:{person['id']}",
                    email=person["email"],
                    user_id=person["user_id"],
                    language=language,
                    context={
                        "kind": reminder.kind,
                        "names": others,
                        "starts_at": local_starts[zone, reminder.starts_at],
                        "time_zone": zone,
                        "agenda": reminder.agenda,
                        "location": reminder.location,
                        "url": url,
                        "site_url": site_url,
                    },
                    text=wording % {"names": others, "when": when},
                    url=url,
                    # The subject shows the kind and the start in the person's zone alone.
                    subject_key=(reminder.kind, zone, reminder.starts_at),
                    fill_in=_PER_PERSON,
                )
            )
    return messages
