"""Reads for the REST API: mentorships, check-ins, goals and messages, each row with the
metadata program staff and API keys may read (dates, counts, status, ratings), and the members'
own mentorships, where the API also shows what the pair wrote.

Each list takes `viewer` (the signed-in person, or None for an API key) and `every_mentorship`
(program staff and API keys read every mentorship's metadata; a member reads only their own).
The query count of a page does not grow with its rows: counts are subqueries or aggregates,
and what a member sees beyond them is one prefetch."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    Goal,
    GoalStatus,
    Mentorship,
    MentorshipMentee,
    Message,
    Milestone,
)
from mentorships.selectors.admin import mentorship_admin_list
from organizations.models import Organization

OPEN_GOAL_STATUSES = (GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS)


def _of_member(organization: Organization, user: User) -> QuerySet[Mentorship]:
    """The user's mentorships, as the mentor or a mentee. A subquery, not a join, so the rows
    that use it are never repeated once per mentee."""
    as_mentee = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentee__user=user)
        .values("mentorship_id")
    )
    return Mentorship.objects.for_org(organization).filter(
        Q(mentor__user=user) | Q(pk__in=as_mentee)
    )


def mentorship_ids_of_member(*, organization: Organization, user: User) -> set[int]:
    """Where the user is the mentor or a mentee: the mentorships whose notes, agendas and
    messages the API shows them. One query."""
    return set(_of_member(organization, user).values_list("pk", flat=True))


def mentorship_readable_list(
    *, organization: Organization, viewer: User | None, every_mentorship: bool
) -> QuerySet[Mentorship]:
    """The mentorships a caller may read at all: every one for program staff and API keys,
    their own for a member."""
    mentorships = Mentorship.objects.for_org(organization)
    if every_mentorship:
        return mentorships
    if viewer is None:
        return mentorships.none()
    return mentorships.filter(pk__in=_of_member(organization, viewer).values("pk"))


def _scoped(
    rows: QuerySet, organization: Organization, viewer: User | None, every_mentorship: bool
) -> QuerySet:
    if every_mentorship:
        return rows
    if viewer is None:
        return rows.none()
    return rows.filter(mentorship__in=_of_member(organization, viewer).values("pk"))


def _count_per_mentorship(rows: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            rows.order_by().values("mentorship").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def mentorship_api_list(
    *,
    organization: Organization,
    viewer: User | None,
    every_mentorship: bool,
    now: dt.datetime | None = None,
) -> QuerySet[Mentorship]:
    """Mentorships with the program team's metadata (`mentorship_admin_list`: the last check-in
    held, how many were held, the average rating) and `program_id`, `check_ins_upcoming` (as
    the mentorship's home counts them: scheduled and not yet over), `goals_open`, `goals_done`
    and `messages_count`."""
    now = now or timezone.now()
    check_ins = CheckIn.objects.for_org(organization).filter(
        mentorship=OuterRef("pk"), status=CheckInStatus.SCHEDULED
    )
    goals = Goal.objects.for_org(organization).filter(mentorship=OuterRef("pk"))
    mentorships = (
        mentorship_admin_list(organization=organization, now=now)
        # Its columns and joins are the admin page's; the API reads the mentorship's own
        # columns (the people by id) and not the related rows.
        .select_related(None)
        .defer(None)
    ).annotate(
        program_id=F("cohort__program_id"),
        check_ins_upcoming=_count_per_mentorship(check_ins.filter(ends_at__gt=now)),
        goals_open=_count_per_mentorship(goals.filter(status__in=OPEN_GOAL_STATUSES)),
        goals_done=_count_per_mentorship(goals.filter(status=GoalStatus.DONE)),
        messages_count=_count_per_mentorship(
            Message.objects.for_org(organization).filter(mentorship=OuterRef("pk"))
        ),
    )
    if every_mentorship:
        return mentorships
    if viewer is None:
        return mentorships.none()
    return mentorships.filter(pk__in=_of_member(organization, viewer).values("pk"))


def check_in_api_list(
    *, organization: Organization, viewer: User | None, every_mentorship: bool
) -> QuerySet[CheckIn]:
    """Check-ins with `records_count`, `average_rating` and `happened` (True if a member said
    it happened, False if every record says it did not, None before anyone said), and, for a
    signed-in viewer, `viewer_records`: their own record, if any."""
    check_ins = _scoped(
        CheckIn.objects.for_org(organization), organization, viewer, every_mentorship
    ).annotate(
        records_count=Count("records"),
        happened_count=Count("records", filter=Q(records__happened=True)),
        average_rating=Avg("records__rating"),
        happened=Case(
            When(happened_count__gt=0, then=Value(True)),
            When(records_count__gt=0, then=Value(False)),
            default=Value(None),
            output_field=BooleanField(null=True),
        ),
    )
    if viewer is not None:
        check_ins = check_ins.prefetch_related(
            Prefetch(
                "records",
                queryset=CheckInRecord.objects.for_org(organization).filter(
                    participant__user=viewer
                ),
                to_attr="viewer_records",
            )
        )
    return check_ins


def goal_api_list(
    *, organization: Organization, viewer: User | None, every_mentorship: bool
) -> QuerySet[Goal]:
    """Goals with `milestone_count` and `milestones_done`; for a signed-in viewer, also each
    goal's milestones (shown only on the viewer's own mentorships' goals)."""
    goals = _scoped(
        Goal.objects.for_org(organization), organization, viewer, every_mentorship
    ).annotate(
        milestone_count=Count("milestones"),
        milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False)),
    )
    if viewer is not None:
        goals = goals.prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.for_org(organization))
        )
    return goals


def message_api_list(*, organization: Organization, viewer: User | None) -> QuerySet[Message]:
    """The messages of the viewer's own mentorships: nobody else reads a thread, program staff
    and API keys included (they read its count on the mentorship)."""
    return _scoped(Message.objects.for_org(organization), organization, viewer, False)
