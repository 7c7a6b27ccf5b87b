"""Recognition of mentors: hours mentored, check-ins held, their mentees' ratings, mentees and
thank-yous, per mentor (a participant of a cohort). Reads for the recognition pages and the
reports API (`recognition_rows`, for performance reviews); `thank_you_send` is the one write.

Hours and check-ins follow the dashboard's rule for a held check-in (`held_check_ins`); the
rating is the mean of the check-in ratings the mentor's mentees gave (the mentor's own ratings
of the same meetings are left out: they would rate themselves)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.metrics import Scope, held_check_ins
from analytics.models import ThankYou
from analytics.models.recognition import THANK_YOU_MAX_LENGTH
from core.errors import DomainError
from mentorships.models import CheckInRecord, Mentorship
from participants.models import Participant

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization


@dataclass(frozen=True)
class RecognitionFilters:
    """Whose and which period's figures; None means no limit."""

    program_id: int | None = None
    cohort_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


@dataclass(frozen=True)
class RecognitionRow:
    mentor_id: int
    full_name: str
    email: str
    cohort_id: int
    cohort: str
    program_id: int
    program: str
    hours_mentored: float
    check_ins_held: int
    average_rating: float | None
    ratings: int
    mentees: int
    thank_yous: int


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def recognition_rows(
    *,
    organization: Organization,
    filters: RecognitionFilters | None = None,
    mentor_ids: Collection[int] | None = None,
) -> list[RecognitionRow]:
    """Every mentor with a mentorship in scope, most hours first, or only those of
    `mentor_ids` (a page of the reports API). Five queries whatever the number of mentors."""
    filters = filters or RecognitionFilters()
    scope = Scope(organization, program_id=filters.program_id, cohort_id=filters.cohort_id)
    before = _day_start(filters.until + dt.timedelta(days=1)) if filters.until else timezone.now()
    held = held_check_ins(scope, before=before)
    if filters.since:
        held = held.filter(starts_at__gte=_day_start(filters.since))
    in_scope = Mentorship.objects.for_org(organization).filter(scope.cohort_filter())
    if mentor_ids is not None:
        held = held.filter(mentorship__mentor_id__in=list(mentor_ids))
        in_scope = in_scope.filter(mentor_id__in=list(mentor_ids))
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    meetings = {
        row["mentorship__mentor_id"]: row
        for row in held.values("mentorship__mentor_id").annotate(n=Count("pk"), length=Sum(length))
    }
    ratings = {
        row["check_in__mentorship__mentor_id"]: row
        for row in CheckInRecord.objects.for_org(organization)
        .filter(check_in__in=held.values("pk"), rating__isnull=False)
        .exclude(participant_id=F("check_in__mentorship__mentor_id"))
        .values("check_in__mentorship__mentor_id")
        .annotate(n=Count("pk"), average=Avg("rating"))
    }
    mentees = dict(
        in_scope.values("mentor_id")
        .annotate(n=Count("mentees", distinct=True))
        .values_list("mentor_id", "n")
    )
    thanks = ThankYou.objects.for_org(organization).filter(mentor_id__in=list(mentees))
    if filters.since:
        thanks = thanks.filter(sent_at__gte=_day_start(filters.since))
    if filters.until:
        thanks = thanks.filter(sent_at__lt=before)
    thank_yous = dict(
        thanks.values("mentor_id").annotate(n=Count("pk")).values_list("mentor_id", "n")
    )
    mentors = (
        Participant.objects.for_org(organization)
        .filter(pk__in=list(mentees))
        .select_related("cohort", "cohort__program")
    )
    rows = []
    for mentor in mentors:
        met: Mapping[str, Any] = meetings.get(mentor.pk) or {}
        rated: Mapping[str, Any] = ratings.get(mentor.pk) or {}
        duration = met.get("length") or dt.timedelta(0)
        rows.append(
            RecognitionRow(
                mentor_id=mentor.pk,
                full_name=mentor.full_name,
                email=mentor.email,
                cohort_id=mentor.cohort_id,
                cohort=mentor.cohort.name,
                program_id=mentor.cohort.program_id,
                program=mentor.cohort.program.name,
                hours_mentored=round(duration.total_seconds() / 3600, 2),
                check_ins_held=met.get("n", 0),
                average_rating=(
                    round(float(rated["average"]), 2) if rated.get("average") is not None else None
                ),
                ratings=rated.get("n", 0),
                mentees=mentees.get(mentor.pk, 0),
                thank_yous=thank_yous.get(mentor.pk, 0),
            )
        )
    rows.sort(
        key=lambda row: (-row.hours_mentored, -row.check_ins_held, row.full_name, row.mentor_id)
    )
    return rows


def recognition_mentors_for_user(*, organization: Organization, user: User) -> list[Participant]:
    """The user's own places as a mentor in this organization (one per cohort)."""
    return list(
        Participant.objects.for_org(organization)
        .filter(user=user, mentorships_as_mentor__isnull=False)
        .distinct()
        .select_related("cohort", "cohort__program")
    )


def recognition_row_for_mentor(
    *, organization: Organization, mentor: Participant
) -> RecognitionRow | None:
    rows = recognition_rows(
        organization=organization, filters=RecognitionFilters(cohort_id=mentor.cohort_id)
    )
    return next((row for row in rows if row.mentor_id == mentor.pk), None)


def thank_you_list(*, organization: Organization, mentor_ids: list[int]) -> list[ThankYou]:
    return list(
        ThankYou.objects.for_org(organization)
        .filter(mentor_id__in=mentor_ids)
        .select_related("from_user", "mentor")
    )


def mentor_get(*, organization: Organization, mentor_id: int) -> Participant:
    """A participant who mentors (or has mentored) in the organization; anything else, another
    organization's participant included, is the same 404."""
    mentor = (
        Participant.objects.for_org(organization)
        .filter(pk=mentor_id, mentorships_as_mentor__isnull=False)
        .select_related("cohort", "cohort__program")
        .first()
    )
    if mentor is None:
        raise Http404(_("No such mentor."))
    return mentor


def mentor_get_for_user(*, organization: Organization, mentor_id: int, user: User) -> Participant:
    """The user's own place as a mentor; someone else's is a 404, as if it did not exist."""
    mentor = mentor_get(organization=organization, mentor_id=mentor_id)
    if mentor.user_id is None or mentor.user_id != user.pk:
        raise Http404(_("No such mentor."))
    return mentor


def thank_you_send(
    *, organization: Organization, mentor: Participant, from_user: User, message: str
) -> ThankYou:
    text = message.strip()
    if not text:
        raise DomainError(_("Write a few words of thanks."), field="message", code="required")
    if len(text) > THANK_YOU_MAX_LENGTH:
        raise DomainError(
            _("Keep it under %(n)d characters.") % {"n": THANK_YOU_MAX_LENGTH}, field="message"
        )
    if mentor.organization_id != organization.pk:
        raise Http404(_("No such mentor."))
    with transaction.atomic():
        return ThankYou.objects.create(
            organization=organization, mentor=mentor, from_user=from_user, message=text
        )
