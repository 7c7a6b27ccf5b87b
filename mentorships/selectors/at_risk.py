"""Mentorships that need the program team: quiet too long, low ratings, a message left without
an answer, or a request for a new match. Metadata only: reasons are counts and dates, never what
anyone wrote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from mentorships.models import (
    CheckInRecord,
    CheckInStatus,
    Mentorship,
    MentorshipStatus,
    Message,
)
from mentorships.selectors.engagement import engagement_settings_for
from organizations.models import Organization


@dataclass
class AtRisk:
    mentorship: Mentorship
    reasons: list[str] = field(default_factory=list)
    # "nudge", "rematch" or "close": the first thing worth trying.
    suggestion: str = "nudge"


RECENT_RECORDS = 3


def at_risk_list(
    *, organization: Organization, program_id: int | None = None, now: dt.datetime | None = None
) -> list[AtRisk]:
    """Active and paused mentorships with at least one reason, worst first, in five queries."""
    now = now or timezone.now()
    query = (
        Mentorship.objects.for_org(organization)
        .filter(status__in=[MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED])
        .select_related("cohort__program", "mentor")
        .prefetch_related("mentees")
        .annotate(
            last_held=Max(
                "check_ins__ends_at",
                filter=Q(check_ins__status=CheckInStatus.SCHEDULED, check_ins__ends_at__lte=now),
            ),
            next_start=Max(
                "check_ins__starts_at",
                filter=Q(check_ins__status=CheckInStatus.SCHEDULED, check_ins__starts_at__gt=now),
            ),
        )
        .order_by("pk")
    )
    if program_id is not None:
        query = query.filter(cohort__program_id=program_id)
    mentorships = list(query)
    if not mentorships:
        return []
    ids = [m.pk for m in mentorships]
    rules = engagement_settings_for(organization, {m.cohort.program_id for m in mentorships})
    ratings: dict[int, list[int]] = {}
    for mentorship_id, rating in (
        CheckInRecord.objects.for_org(organization)
        .filter(check_in__mentorship_id__in=ids, rating__isnull=False)
        .order_by("check_in__mentorship_id", "-check_in__starts_at", "-pk")
        .values_list("check_in__mentorship_id", "rating")
    ):
        recent = ratings.setdefault(mentorship_id, [])
        if len(recent) < RECENT_RECORDS and rating is not None:  # the filter leaves no None
            recent.append(rating)
    last_messages: dict[int, tuple[dt.datetime, int]] = {}
    for mentorship_id, created_at, author_id in (
        Message.objects.for_org(organization)
        .filter(mentorship_id__in=ids)
        .order_by("mentorship_id", "-created_at", "-pk")
        .distinct("mentorship_id")
        .values_list("mentorship_id", "created_at", "author_id")
        if _distinct_on_supported()
        else _last_messages_portable(organization, ids)
    ):
        last_messages[mentorship_id] = (created_at, author_id)

    found = []
    for mentorship in mentorships:
        rule = rules[mentorship.cohort.program_id]
        entry = AtRisk(mentorship)
        since = mentorship.last_held or dt.datetime.combine(
            mentorship.started_on, dt.time(0), tzinfo=dt.UTC
        )
        quiet_days = (now - since).days
        if mentorship.next_start is None and quiet_days >= rule.quiet_after_days:
            if mentorship.last_held is None:
                entry.reasons.append(
                    _("No check-in held in %(days)d days since the match") % {"days": quiet_days}
                )
            else:
                entry.reasons.append(_("No check-in for %(days)d days") % {"days": quiet_days})
        recent = ratings.get(mentorship.pk, [])
        if recent and sum(recent) / len(recent) < rule.low_rating_below:
            # In the reader's number format ("3,5" in Spanish).
            average = number_format(sum(recent) / len(recent), decimal_pos=1)
            entry.reasons.append(_("Recent check-ins rated %(avg)s of 5") % {"avg": average})
        last = last_messages.get(mentorship.pk)
        if last and (now - last[0]).days >= rule.unanswered_message_days:
            entry.reasons.append(
                _("A message unanswered for %(days)d days") % {"days": (now - last[0]).days}
            )
        if mentorship.rematch_requested_at:
            entry.reasons.append(_("A member asked for a new match"))
            entry.suggestion = "rematch"
        elif recent and sum(recent) / len(recent) < rule.low_rating_below:
            entry.suggestion = "rematch"
        if entry.reasons:
            found.append(entry)
    return sorted(found, key=lambda e: (-len(e.reasons), e.mentorship.pk))


def _distinct_on_supported() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def _last_messages_portable(organization: Organization, ids: list[int]):
    """SQLite has no DISTINCT ON: the latest message per mentorship, read in Python."""
    seen: set[int] = set()
    for row in (
        Message.objects.for_org(organization)
        .filter(mentorship_id__in=ids)
        .order_by("mentorship_id", "-created_at", "-pk")
        .values_list("mentorship_id", "created_at", "author_id")
    ):
        if row[0] not in seen:
            seen.add(row[0])
            yield row
