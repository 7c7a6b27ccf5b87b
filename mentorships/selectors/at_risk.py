"""Mentorships that need the program team: quiet too long, low ratings, a message left without
an answer, or a request for a new match. Metadata only: reasons are counts and dates, never what
anyone wrote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Max, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
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
OPEN_STATUSES = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


def ranked_ratings(organization: Organization, mentorships: Q) -> QuerySet[Any, Any]:
    """Every rating given on the check-ins of the mentorships matching `mentorships` (a filter
    on `Mentorship`), numbered newest first within its mentorship as `recency` (1 is the latest:
    latest check-in start, then latest record), its mentorship as `mentorship_ref`. Typed
    loosely: the type checker does not see window annotations. One pass over the ratings with
    a window function, so "the last three" costs one sort, not a lookup per mentorship."""
    per_mentorship = F("check_in__mentorship_id")
    return (
        CheckInRecord.objects.for_org(organization)
        .filter(
            rating__isnull=False,
            check_in__mentorship__in=_mentorship_ids(organization, mentorships),
        )
        .annotate(
            mentorship_ref=per_mentorship,
            recency=Window(
                RowNumber(),
                partition_by=per_mentorship,
                order_by=(F("check_in__starts_at").desc(), F("pk").desc()),
            ),
        )
        .order_by()
    )


def _mentorship_ids(organization: Organization, mentorships: Q) -> QuerySet[Mentorship, Any]:
    return Mentorship.objects.for_org(organization).filter(mentorships).values("pk")


def low_rated(organization: Organization, mentorships: Q, *, below: int) -> Q:
    """Mentorships (of those matching `mentorships`) whose last RECENT_RECORDS ratings average
    below `below`: the list's "recent check-ins rated low" reason as one uncorrelated subquery
    the database runs once. Sum against count times the rule keeps the comparison exact."""
    ranked = ranked_ratings(organization, mentorships).values("mentorship_ref", "rating", "recency")
    sql, params = ranked.query.sql_with_params()
    # Django cannot group rows it has filtered on a window function: the grouping is written
    # around the ORM's own SQL (its table names, organization filter and parameters).
    return Q(
        pk__in=RawSQL(  # noqa: S611 — the ORM's SQL, every value a parameter
            f"SELECT ranked.mentorship_ref FROM ({sql}) ranked WHERE ranked.recency <= %s "  # noqa: S608
            "GROUP BY ranked.mentorship_ref HAVING SUM(ranked.rating) < COUNT(*) * %s",
            (*params, RECENT_RECORDS, below),
        )
    )


def at_risk_list(
    *, organization: Organization, program_id: int | None = None, now: dt.datetime | None = None
) -> list[AtRisk]:
    """Active and paused mentorships with at least one reason, worst first, in four queries.
    The mentees are not read: a page prefetches them for the rows it shows."""
    now = now or timezone.now()
    query = (
        Mentorship.objects.for_org(organization)
        .filter(status__in=OPEN_STATUSES)
        .select_related("cohort__program", "mentor")
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
    scope = Q(status__in=OPEN_STATUSES)
    if program_id is not None:
        scope &= Q(cohort__program_id=program_id)
    ratings: dict[int, list[int]] = {}
    for mentorship_id, rating in (
        ranked_ratings(organization, scope)
        .filter(recency__lte=RECENT_RECORDS)
        .values_list("mentorship_ref", "rating")
    ):
        if rating is not None:  # the filter leaves no None
            ratings.setdefault(mentorship_id, []).append(rating)
    last_messages: dict[int, tuple[dt.datetime, int]] = {}
    for mentorship_id, created_at, author_id in (
        Message.objects.for_org(organization)
        .filter(mentorship_id__in=_mentorship_ids(organization, scope))
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
