"""The program metrics, each defined once (docs/metrics.md gives every formula in words).

Every function takes a `Scope` (the organization, optionally narrowed to one program or one
cohort) and a `Period` (whole days, both ends included) or a day, reads the other apps' tables
through their scoped managers and returns a plain dataclass. Each is a fixed number of queries
whatever the organization's size: the counting is done by the database (conditional
aggregates, `EXISTS` subqueries), never by loading rows into Python, except the median time to
match on databases without `percentile_cont` (SQLite, the embedded default).

Days are the server's days (`settings.TIME_ZONE`, UTC), not the viewer's, so that a figure is
the same for everyone who reads it and the same as in the nightly snapshots.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    CloseReason,
    EngagementSettings,
    Goal,
    GoalChange,
    GoalStatus,
    Mentorship,
    MentorshipMentee,
    MentorshipStatus,
    Message,
)
from mentorships.selectors.at_risk import OPEN_STATUSES, low_rated
from participants.models import Participant, ParticipantRole, ParticipantStatus, Seniority
from programs.models import Cohort, Program
from surveys.results import survey_outcomes

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from organizations.models import Organization

# "Active": a check-in held in the last 30 days, the day itself included.
ACTIVE_WINDOW_DAYS = 30
MENTEE_ROLES = (ParticipantRole.MENTEE, ParticipantRole.BOTH)
MENTOR_ROLES = (ParticipantRole.MENTOR, ParticipantRole.BOTH)
# A rating of 4 or 5 of 5 counts as satisfied.
SATISFIED_FROM = 4


# ---------------------------------------------------------------------------------------------
# Scope, period and comparison
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: an organization, or one of its programs, or one of its cohorts. A program
    or cohort id of another organization matches nothing (every read is `for_org`)."""

    organization: Organization
    program_id: int | None = None
    cohort_id: int | None = None

    def cohort_filter(self, path: str = "") -> Q:
        """The scope as a filter on a model that reaches the cohort through `path`
        ("" for models with a `cohort` field, "mentorship__" for check-ins, …)."""
        if self.cohort_id is not None:
            return Q(**{f"{path}cohort_id": self.cohort_id})
        if self.program_id is not None:
            return Q(**{f"{path}cohort__program_id": self.program_id})
        return Q()


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, in the server's zone."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @classmethod
    def last_days(cls, days: int, *, today: dt.date | None = None) -> Period:
        """The `days` days that end with `today`."""
        end = today or timezone.localdate(timezone=timezone.get_default_timezone())
        return cls(start=end - dt.timedelta(days=days - 1), end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return day_start(self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(start=end - dt.timedelta(days=self.days - 1), end=end)


@dataclass(frozen=True)
class Trend:
    """A figure next to the same figure for the previous period."""

    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Relative change in percent; None without a previous figure to compare with."""
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous) * 100

    @property
    def direction(self) -> str:
        """ "up", "down" or "flat" (the stat tile's trend), "" when there is nothing to compare."""
        if self.value is None or self.previous is None:
            return ""
        if self.value > self.previous:
            return "up"
        if self.value < self.previous:
            return "down"
        return "flat"


def ratio(part: float, whole: float) -> float | None:
    """`part / whole`, or None for an empty whole (a rate of nothing is unknown, not 0)."""
    return part / whole if whole else None


def held_check_ins(scope: Scope, *, before: dt.datetime) -> QuerySet[CheckIn]:
    """Check-ins that took place before `before` (and before now): booked and not cancelled,
    started, and nobody said it did not happen. The rule `mentorships.selectors.home` counts
    a pair's held check-ins with."""
    organization = scope.organization
    missed = CheckInRecord.objects.for_org(organization).filter(
        check_in=OuterRef("pk"), happened=False
    )
    return (
        CheckIn.objects.for_org(organization)
        .filter(scope.cohort_filter("mentorship__"))
        .filter(status=CheckInStatus.SCHEDULED, starts_at__lt=min(before, timezone.now()))
        .exclude(Exists(missed))
    )


def _member_of(organization: Organization, mentorships: Q) -> Q:
    """The participant is the mentor or a mentee of a mentorship matching `mentorships`. As
    `pk IN (…)` of uncorrelated subqueries, which PostgreSQL hashes once, rather than an
    `EXISTS` per participant."""
    rows = Mentorship.objects.for_org(organization).filter(mentorships)
    mentees = MentorshipMentee.objects.for_org(organization).filter(
        mentorship__in=rows.values("pk")
    )
    return Q(pk__in=rows.values("mentor_id")) | Q(pk__in=mentees.values("mentee_id"))


def matched_as_mentee(organization: Organization, *, before: dt.datetime) -> Q:
    """The participation got a mentor before `before`: a mentorship names it as a mentee in a
    row (`MentorshipMentee`) created before then, which is when the round was published or the
    request accepted. The one definition of "matched" (docs/metrics.md): the match's moment,
    not the mentorship's `started_on` (a round published before its cohort starts has matched
    its mentees on the day it was published), and whatever became of the mentorship since.
    The match rate, the time to match, the funnel and the organization's home count by it."""
    seats = MentorshipMentee.objects.for_org(organization).filter(created_at__lt=before)
    return Q(pk__in=seats.values("mentee_id"))


def matched_either_side(organization: Organization, *, before: dt.datetime) -> Q:
    """The participation was matched before `before` on either side: it got a mentor
    (`matched_as_mentee`), or, as a mentor, its first mentee."""
    seats = MentorshipMentee.objects.for_org(organization).filter(created_at__lt=before)
    return Q(pk__in=seats.values("mentee_id")) | Q(pk__in=seats.values("mentorship__mentor_id"))


def _met_in(organization: Organization, check_ins: QuerySet[CheckIn]) -> Q:
    """The participant is the mentor or a mentee of a mentorship that held one of
    `check_ins`."""
    return _member_of(organization, Q(pk__in=check_ins.values("mentorship_id")))


def on_roster(scope: Scope, day_end: dt.datetime) -> QuerySet[Participant]:
    """Participations that had joined by `day_end` and had not withdrawn before it."""
    return (
        Participant.objects.for_org(scope.organization)
        .filter(scope.cohort_filter(), created_at__lt=day_end)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=day_end))
    )


# ---------------------------------------------------------------------------------------------
# Enrollment funnel
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: StrOrPromise
    count: int


@dataclass(frozen=True)
class Funnel:
    """Participations that joined in the period, and how far each got by its end. Each stage
    counts only people who also reached every earlier one, so the funnel never widens."""

    invited: int
    enrolled: int
    matched: int
    first_check_in: int
    active: int
    completed: int

    @property
    def stages(self) -> list[FunnelStage]:
        return [
            FunnelStage("invited", _("Invited"), self.invited),
            FunnelStage("enrolled", _("Enrolled"), self.enrolled),
            FunnelStage("matched", _("Matched"), self.matched),
            FunnelStage("first_check_in", _("First check-in"), self.first_check_in),
            FunnelStage("active", _("Active"), self.active),
            FunnelStage("completed", _("Completed"), self.completed),
        ]


# The funnel's stages over the flags `enrollment_funnel` computes per participation: each stage
# also asks for every earlier one (enrolled is "stayed or matched", so matched implies it).
_FUNNEL_STAGES = {
    "invited": "TRUE",
    "enrolled": "flags.stayed OR flags.matched",
    "matched": "flags.matched",
    "first_check_in": "flags.matched AND flags.met",
    "active": "flags.matched AND flags.met AND (flags.met_lately OR flags.completed)",
    "completed": "flags.matched AND flags.met AND flags.completed",
}


def enrollment_funnel(*, scope: Scope, period: Period) -> Funnel:
    """One query. Each participation's flags (matched, met, met lately, completed, stayed) are
    worked out once, in an inner query, and the stages counted over them: written as filters
    of one aggregate, PostgreSQL built each membership set again for every stage that named
    it (twenty hashed subplans instead of four)."""
    if connection.vendor == "postgresql":
        return _enrollment_funnel_in_one_pass(scope=scope, period=period)
    return _enrollment_funnel_by_sets(scope=scope, period=period)


def _enrollment_funnel_by_sets(*, scope: Scope, period: Period) -> Funnel:
    """`enrollment_funnel` with membership sets, on any database (SQLite has no
    `bool_or`)."""
    organization = scope.organization
    end = period.ends_at
    active_from = day_start(period.end - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1))
    held = held_check_ins(scope, before=end)
    flags = {
        "matched": matched_either_side(organization, before=end),
        "met": _met_in(organization, held),
        "met_lately": _met_in(organization, held.filter(starts_at__gte=active_from)),
        "completed": _member_of(
            organization, Q(status=MentorshipStatus.COMPLETED, ended_on__lte=period.end)
        ),
        "stayed": Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end),
    }
    joined = (
        Participant.objects.for_org(organization)
        .filter(scope.cohort_filter(), created_at__gte=period.starts_at, created_at__lt=end)
        .annotate(
            **{
                name: ExpressionWrapper(condition, output_field=BooleanField())
                for name, condition in flags.items()
            }
        )
        .values(*flags)
    )
    inner, params = joined.query.sql_with_params()
    stages = ", ".join(
        f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"
        for condition in _FUNNEL_STAGES.values()
    )
    with connection.cursor() as cursor:
        # The ORM cannot aggregate over its own inner query: the outer count is written
        # around the ORM's SQL (its tables, organization filter and parameters).
        cursor.execute(f"SELECT {stages} FROM ({inner}) flags", params)  # noqa: S608
        row = cursor.fetchone()
    return Funnel(**dict(zip(_FUNNEL_STAGES, row, strict=True)))


def _enrollment_funnel_in_one_pass(*, scope: Scope, period: Period) -> Funnel:
    """`enrollment_funnel` on PostgreSQL, one query: the held check-ins are read once, grouped
    by mentorship (the latest one's start tells "met" and "met lately"), each mentorship's
    flags are spread to its mentor and mentees, and each person's flags are the OR of their
    mentorships'. "Matched" is per seat: a mentee's own seat made before the end, a mentor's
    first seat in the mentorship. As membership sets, PostgreSQL scanned every check-in once
    per set and side (four passes over 500,000 check-ins, 12 s of the dashboard at 100,000
    participants under load). Same flags, same stages."""
    organization = scope.organization
    end = period.ends_at
    active_from = day_start(period.end - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1))
    held = (
        held_check_ins(scope, before=end)
        .order_by()
        .values("mentorship_id")
        .annotate(latest=Max("starts_at"))
    )
    mentorships = (
        Mentorship.objects.for_org(organization)
        .order_by()
        .values(mid=F("pk"), mentor_person=F("mentor_id"))
        .annotate(
            completed=ExpressionWrapper(
                Q(status=MentorshipStatus.COMPLETED, ended_on__lte=period.end),
                output_field=BooleanField(),
            ),
        )
    )
    seats = (
        MentorshipMentee.objects.for_org(organization)
        .order_by()
        .values(mid=F("mentorship_id"), person=F("mentee_id"), seated=F("created_at"))
    )
    joined = (
        Participant.objects.for_org(organization)
        .filter(scope.cohort_filter(), created_at__gte=period.starts_at, created_at__lt=end)
        .order_by()
        .values(pid=F("pk"))
        .annotate(
            stayed=ExpressionWrapper(
                Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end),
                output_field=BooleanField(),
            )
        )
    )
    held_sql, held_params = held.query.sql_with_params()
    mentorships_sql, mentorships_params = mentorships.query.sql_with_params()
    seats_sql, seats_params = seats.query.sql_with_params()
    joined_sql, joined_params = joined.query.sql_with_params()
    stages = ", ".join(
        f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"
        for condition in _FUNNEL_STAGES.values()
    )
    # Written around the ORM's SQL (its tables, organization filters and parameters): the ORM
    # has no common table expressions.
    sql = (
        f"WITH h AS MATERIALIZED ({held_sql}),"  # noqa: S608
        f" s AS MATERIALIZED ({seats_sql}),"
        " m AS MATERIALIZED (SELECT m.mid, m.mentor_person, m.completed,"
        " h.latest IS NOT NULL AS met, COALESCE(h.latest >= %s, FALSE) AS met_lately,"
        " COALESCE(f.first_seated < %s, FALSE) AS matched"
        f" FROM ({mentorships_sql}) m LEFT JOIN h ON h.mentorship_id = m.mid"
        " LEFT JOIN (SELECT s.mid, MIN(s.seated) AS first_seated FROM s GROUP BY s.mid) f"
        " ON f.mid = m.mid),"
        " people AS (SELECT person, bool_or(matched) AS matched, bool_or(met) AS met,"
        " bool_or(met_lately) AS met_lately, bool_or(completed) AS completed FROM ("
        " SELECT m.mentor_person AS person, m.matched, m.met, m.met_lately, m.completed FROM m"
        " UNION ALL SELECT s.person, s.seated < %s, m.met, m.met_lately, m.completed"
        " FROM s JOIN m ON m.mid = s.mid) members GROUP BY person)"
        f" SELECT {stages} FROM (SELECT j.stayed, COALESCE(p.matched, FALSE) AS matched,"
        " COALESCE(p.met, FALSE) AS met, COALESCE(p.met_lately, FALSE) AS met_lately,"
        " COALESCE(p.completed, FALSE) AS completed"
        f" FROM ({joined_sql}) j LEFT JOIN people p ON p.person = j.pid) flags"
    )
    params = (
        *held_params,
        *seats_params,
        active_from,
        end,
        *mentorships_params,
        end,
        *joined_params,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return Funnel(**dict(zip(_FUNNEL_STAGES, row, strict=True)))


# ---------------------------------------------------------------------------------------------
# Match rate and time to match
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matching:
    mentees: int  # mentee participations that joined in the period
    matched: int  # of those, matched (got a mentor) before the period's end
    median_days_to_match: float | None  # over mentees first matched in the period
    first_matched_in_period: int

    @property
    def match_rate(self) -> float | None:
        return ratio(self.matched, self.mentees)


class _Median(Aggregate):
    """PostgreSQL's exact median of a number."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class _Seconds(Func):
    """An interval in seconds (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


# How many mentees were first matched, and their median wait in seconds, over rows `w` of
# (first, joined).
_MEDIAN_WAIT = (
    "COUNT(*), percentile_cont(0.5) WITHIN GROUP"
    " (ORDER BY EXTRACT(EPOCH FROM (w.first - w.joined)))"
)


def match_figures(*, scope: Scope, period: Period) -> Matching:
    """Match rate and median time to match: two queries, both by the moment of the match
    (`matched_as_mentee`). Each mentee's first match is found in one grouped pass over the
    mentorship rows of the scope's mentees, and "matched" is one hashed set: as correlated
    subqueries per mentee, PostgreSQL looked each mentee's rows up three times (1.4 s of the
    dashboard at 100,000 participants)."""
    organization = scope.organization
    mentees = Participant.objects.for_org(organization).filter(
        scope.cohort_filter(), role__in=MENTEE_ROLES
    )
    counts = mentees.filter(
        created_at__gte=period.starts_at, created_at__lt=period.ends_at
    ).aggregate(
        mentees=Count("pk"),
        matched=Count("pk", filter=matched_as_mentee(organization, before=period.ends_at)),
    )
    # When each mentee was first matched: the first mentorship row that names them.
    first_matched = (
        MentorshipMentee.objects.for_org(organization)
        .filter(scope.cohort_filter("mentee__"), mentee__role__in=MENTEE_ROLES)
        .order_by()
        .values("mentee_id")
        .annotate(first=Min("created_at"), joined=Min("mentee__created_at"))
        .filter(first__gte=period.starts_at, first__lt=period.ends_at)
        .values("first", "joined")
    )
    median: float | None
    if connection.vendor == "postgresql":
        inner, params = first_matched.query.sql_with_params()
        with connection.cursor() as cursor:
            # The median over the grouped rows: written around the ORM's SQL, which cannot
            # aggregate over its own aggregates.
            cursor.execute(f"SELECT {_MEDIAN_WAIT} FROM ({inner}) w", params)  # noqa: S608
            matched_in_period, seconds = cursor.fetchone()
        median = seconds / 86400 if seconds is not None else None
    else:
        waits = [(row["first"] - row["joined"]).total_seconds() / 86400 for row in first_matched]
        matched_in_period = len(waits)
        median = statistics.median(waits) if waits else None
    return Matching(
        mentees=counts["mentees"],
        matched=counts["matched"],
        median_days_to_match=median,
        first_matched_in_period=matched_in_period,
    )


# ---------------------------------------------------------------------------------------------
# Active mentorships, check-ins and ratings
# ---------------------------------------------------------------------------------------------


def open_on(day: dt.date) -> Q:
    """A mentorship that had started and not closed before `day`."""
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def running_in(period: Period) -> Q:
    """A mentorship open on at least one day of the period."""
    return Q(started_on__lte=period.end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)
    )


def active_mentorship_count(*, scope: Scope, day: dt.date) -> int:
    """Mentorships open on `day` that held a check-in in the 30 days ending with it. One
    query."""
    held = held_check_ins(scope, before=day_start(day + dt.timedelta(days=1))).filter(
        mentorship=OuterRef("pk"),
        starts_at__gte=day_start(day - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1)),
    )
    return (
        Mentorship.objects.for_org(scope.organization)
        .filter(scope.cohort_filter(), open_on(day))
        .filter(Exists(held))
        .count()
    )


@dataclass(frozen=True)
class CheckIns:
    held: int  # check-ins held in the period
    mentorships: int  # mentorships running in the period
    hours: float  # their length, summed
    ratings: int  # ratings given on them
    average_rating: float | None
    rating_counts: dict[int, int] = field(default_factory=dict)  # 1..5 → how many

    @property
    def per_mentorship(self) -> float | None:
        return ratio(self.held, self.mentorships)


def check_in_figures(*, scope: Scope, period: Period) -> CheckIns:
    """Three queries: the held check-ins, the running mentorships, the ratings."""
    organization = scope.organization
    held = held_check_ins(scope, before=period.ends_at).filter(starts_at__gte=period.starts_at)
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    sums = held.aggregate(held=Count("pk"), length=Sum(length))
    running = (
        Mentorship.objects.for_org(organization)
        .filter(scope.cohort_filter(), running_in(period))
        .count()
    )
    ratings = (
        CheckInRecord.objects.for_org(organization)
        .filter(check_in__in=held.values("pk"), rating__isnull=False)
        .aggregate(
            n=Count("pk"),
            average=Avg("rating"),
            **{f"r{value}": Count("pk", filter=Q(rating=value)) for value in range(1, 6)},
        )
    )
    duration = sums["length"] or dt.timedelta(0)
    return CheckIns(
        held=sums["held"],
        mentorships=running,
        hours=duration.total_seconds() / 3600,
        ratings=ratings["n"],
        average_rating=ratings["average"],
        rating_counts={value: ratings[f"r{value}"] for value in range(1, 6)},
    )


# ---------------------------------------------------------------------------------------------
# Goals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goals:
    set: int  # goals of the scope's mentorships set by the period's end, dropped ones left out
    done: int  # of those, done now
    completed_in_period: int  # goals marked done during the period (and still done)

    @property
    def completion_rate(self) -> float | None:
        return ratio(self.done, self.set)


def goal_figures(*, scope: Scope, period: Period) -> Goals:
    """Two queries."""
    organization = scope.organization
    goals = Goal.objects.for_org(organization).filter(scope.cohort_filter("mentorship__"))
    counts = (
        goals.filter(created_at__lt=period.ends_at)
        .exclude(status=GoalStatus.DROPPED)
        .aggregate(set=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
    )
    marked_done = GoalChange.objects.for_org(organization).filter(
        goal=OuterRef("pk"),
        action="status",
        detail__new=GoalStatus.DONE,
        created_at__gte=period.starts_at,
        created_at__lt=period.ends_at,
    )
    completed = goals.filter(status=GoalStatus.DONE).filter(Exists(marked_done)).count()
    return Goals(set=counts["set"], done=counts["done"], completed_in_period=completed)


# ---------------------------------------------------------------------------------------------
# Satisfaction and NPS
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    source: str  # "surveys", or "check_in_ratings" where no survey was answered in scope
    responses: int
    average: float | None  # on a 1-5 scale
    satisfied: int | None  # responses of 4 or 5 (check-in ratings only)
    nps: float | None = None  # -100..100; None without recommendation answers
    nps_responses: int = 0

    @property
    def satisfied_share(self) -> float | None:
        return ratio(self.satisfied, self.responses) if self.satisfied is not None else None


def satisfaction_figures(*, scope: Scope, period: Period) -> Satisfaction:
    """Satisfaction and NPS of the period, from the surveys app (`surveys.results
    .survey_outcomes`: 1-5 scale answers and 0-10 recommendation answers, with its anonymity
    rules). Where nobody answered a survey in scope, the members' ratings of the check-ins
    held in the period stand in (1-5, no NPS), so programs that run no survey still have a
    figure. A fixed number of queries: the surveys selector's, plus one for the fallback."""
    # Instances with only an id: the selector filters by them, and an id of another
    # organization matches nothing (its surveys are read `for_org`), as everywhere here.
    outcomes = survey_outcomes(
        organization=scope.organization,
        program=Program(pk=scope.program_id) if scope.program_id is not None else None,
        cohort=Cohort(pk=scope.cohort_id) if scope.cohort_id is not None else None,
        since=period.start,
        until=period.end,
    )
    if outcomes.satisfaction.answers or outcomes.nps_answers:
        return Satisfaction(
            source="surveys",
            responses=outcomes.satisfaction.answers,
            average=outcomes.satisfaction.mean,
            satisfied=None,
            nps=outcomes.nps.score if outcomes.nps_answers else None,
            nps_responses=outcomes.nps_answers,
        )
    held = held_check_ins(scope, before=period.ends_at).filter(starts_at__gte=period.starts_at)
    row = (
        CheckInRecord.objects.for_org(scope.organization)
        .filter(check_in__in=held.values("pk"), rating__isnull=False)
        .aggregate(
            n=Count("pk"),
            average=Avg("rating"),
            satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_FROM)),
        )
    )
    return Satisfaction(
        source="check_in_ratings",
        responses=row["n"],
        average=row["average"],
        satisfied=row["satisfied"],
    )


# ---------------------------------------------------------------------------------------------
# Cross-cultural and cross-functional pairs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairMix:
    pairs: int  # mentor-mentee pairs of mentorships started in the period
    cross_cultural: int  # mentor and mentee from different countries
    cross_functional: int  # mentor and mentee in different functions

    @property
    def cross_cultural_share(self) -> float | None:
        return ratio(self.cross_cultural, self.pairs)

    @property
    def cross_functional_share(self) -> float | None:
        return ratio(self.cross_functional, self.pairs)


def pair_mix(*, scope: Scope, period: Period) -> PairMix:
    """One query. A group mentorship is one pair per mentee."""
    mentor_function = Lower(Trim("mentorship__mentor__function"))
    mentee_function = Lower(Trim("mentee__function"))
    row = (
        MentorshipMentee.objects.for_org(scope.organization)
        .filter(
            scope.cohort_filter("mentorship__"),
            mentorship__started_on__gte=period.start,
            mentorship__started_on__lte=period.end,
        )
        .annotate(mentor_function=mentor_function, mentee_function=mentee_function)
        .aggregate(
            pairs=Count("pk"),
            cross_cultural=Count("pk", filter=~Q(mentorship__mentor__country=F("mentee__country"))),
            cross_functional=Count("pk", filter=~Q(mentor_function=F("mentee_function"))),
        )
    )
    return PairMix(**row)


# ---------------------------------------------------------------------------------------------
# Who takes part
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str
    label: StrOrPromise
    count: int


@dataclass(frozen=True)
class Participation:
    """Participations on the roster at the end of a day, by country and function (largest group
    first) and by seniority (entry level first)."""

    total: int
    by_country: list[Group]
    by_function: list[Group]
    by_seniority: list[Group]


def _groups(rows: Iterable[Mapping[str, Any]], key: str, label: Any) -> list[Group]:
    groups = [Group(str(row[key]), label(row[key]), row["n"]) for row in rows]
    return sorted(groups, key=lambda g: (-g.count, str(g.label)))


def participation_breakdown(*, scope: Scope, day: dt.date) -> Participation:
    """Three queries, one per attribute. Functions are compared as typed, trimmed and without
    case ("Sales" and "sales " are one group, shown as the first spelling met)."""
    roster = on_roster(scope, day_start(day + dt.timedelta(days=1))).order_by()
    by_country = roster.values("country").annotate(n=Count("pk"))
    by_function = (
        roster.annotate(key=Lower(Trim("function")))
        .values("key")
        .annotate(n=Count("pk"), label=Min(Trim("function")))
    )
    by_seniority = roster.values("seniority").annotate(n=Count("pk"))
    seniority = dict(Seniority.choices)
    functions = _groups(by_function, "key", str)
    spelled = {row["key"]: row["label"] for row in by_function}
    return Participation(
        total=sum(g.count for g in functions),
        by_country=_groups(by_country, "country", lambda code: countries.name(code) or code),
        by_function=[Group(g.key, spelled.get(g.key) or g.key, g.count) for g in functions],
        # Seniority is a scale: shown in its own order, entry level first.
        by_seniority=sorted(
            _groups(by_seniority, "seniority", lambda level: seniority.get(level, level)),
            key=lambda g: int(g.key),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Mentor load and hours mentored
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorLoad:
    mentors: int  # mentor participations on the roster at the period's end
    mentoring: int  # of those, with a mentee in a mentorship open on the period's last day
    mentees: int  # mentee seats those mentors hold (a mentee with two mentors counts twice)
    at_capacity: int  # mentors holding as many mentees as their stated capacity, or more
    load_counts: dict[str, int]  # "0", "1", "2", "3+" mentees → mentors
    hours: float  # hours of check-ins held in the period
    # Mentors who held at least one; None where not counted (the dashboard, which reads the
    # hours from the snapshots and does not show hours per mentor).
    hours_mentors: int | None

    @property
    def mentees_per_mentor(self) -> float | None:
        return ratio(self.mentees, self.mentoring)

    @property
    def hours_per_mentor(self) -> float | None:
        return ratio(self.hours, self.hours_mentors or 0)


# The mentors' figures over each roster mentor (m) and their seats (s, none without a seat):
# mentors, mentoring, mentees, at capacity, and how many hold 0, 1, 2 and 3 or more mentees.
_LOAD_COUNTS = (
    "COUNT(*), COUNT(*) FILTER (WHERE s.n > 0), COALESCE(SUM(s.n), 0),"
    " COUNT(*) FILTER (WHERE s.n > 0 AND s.n >= m.capacity), COUNT(*) FILTER (WHERE s.n IS NULL),"
    " COUNT(*) FILTER (WHERE s.n = 1), COUNT(*) FILTER (WHERE s.n = 2),"
    " COUNT(*) FILTER (WHERE s.n >= 3)"
)


def mentor_load(*, scope: Scope, period: Period, hours: float | None = None) -> MentorLoad:
    """Two queries: the mentors' loads, then the hours they mentored (only the first when the
    caller knows the `hours` already; the mentors who held them are then not counted). The
    seats are counted per mentor once (one grouped pass over the open mentorships) and joined
    to the roster's mentors: as a correlated subquery the ORM repeats in every aggregate that
    names the load, PostgreSQL ran it eight times per mentor (9 s at 10,000 participants)."""
    organization = scope.organization
    mentors = (
        on_roster(scope, period.ends_at)
        .filter(role__in=MENTOR_ROLES)
        .order_by()
        .values(mentor=F("pk"), capacity=F("mentor_capacity"))
    )
    seats = (
        MentorshipMentee.objects.for_org(organization)
        .filter(
            mentorship__status__in=[MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED],
            mentorship__started_on__lte=period.end,
        )
        .order_by()
        .values(mentor=F("mentorship__mentor_id"))
        .annotate(n=Count("pk"))
    )
    mentors_sql, mentors_params = mentors.query.sql_with_params()
    seats_sql, seats_params = seats.query.sql_with_params()
    with connection.cursor() as cursor:
        # The ORM cannot join two grouped queries: the join and the counts are written around
        # the ORM's SQL (its tables, organization filters and parameters).
        joined = f"({mentors_sql}) m LEFT JOIN ({seats_sql}) s ON s.mentor = m.mentor"
        cursor.execute(f"SELECT {_LOAD_COUNTS} FROM {joined}", (*mentors_params, *seats_params))  # noqa: S608
        loads = cursor.fetchone()
    mentors_count, mentoring, mentees, at_capacity, none, one, two, more = loads
    load = MentorLoad(
        mentors=mentors_count,
        mentoring=mentoring,
        mentees=int(mentees),
        at_capacity=at_capacity,
        load_counts={"0": none, "1": one, "2": two, "3+": more},
        hours=hours or 0.0,
        hours_mentors=None,
    )
    if hours is not None:
        return load
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    held = (
        held_check_ins(scope, before=period.ends_at)
        .filter(starts_at__gte=period.starts_at)
        .aggregate(length=Sum(length), mentors=Count("mentorship__mentor", distinct=True))
    )
    return replace(
        load,
        hours=(held["length"] or dt.timedelta(0)).total_seconds() / 3600,
        hours_mentors=held["mentors"],
    )


# ---------------------------------------------------------------------------------------------
# Drop-off and its stated reasons
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    key: str
    label: StrOrPromise
    count: int


@dataclass(frozen=True)
class DropOff:
    withdrawals: int  # participations withdrawn during the period
    roster: int  # participations on the roster at some moment of the period
    ended_early: int  # mentorships ended early (not completed) during the period
    running: int  # mentorships running in the period
    reasons: list[Reason]  # the stated reasons of those ended early, most frequent first
    completed: int  # mentorships completed during the period

    @property
    def withdrawal_rate(self) -> float | None:
        return ratio(self.withdrawals, self.roster)

    @property
    def drop_off_rate(self) -> float | None:
        return ratio(self.ended_early, self.running)


def drop_off(*, scope: Scope, period: Period) -> DropOff:
    """Three queries: the withdrawals, the mentorships' closures, their reasons."""
    organization = scope.organization
    people = (
        Participant.objects.for_org(organization)
        .filter(scope.cohort_filter(), created_at__lt=period.ends_at)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=period.starts_at))
        .aggregate(
            roster=Count("pk"),
            withdrawals=Count(
                "pk",
                filter=Q(
                    status=ParticipantStatus.WITHDRAWN,
                    withdrawn_at__gte=period.starts_at,
                    withdrawn_at__lt=period.ends_at,
                ),
            ),
        )
    )
    mentorships = Mentorship.objects.for_org(organization).filter(scope.cohort_filter())
    closed_in_period = Q(ended_on__gte=period.start, ended_on__lte=period.end)
    closures = mentorships.filter(running_in(period)).aggregate(
        running=Count("pk"),
        ended_early=Count("pk", filter=closed_in_period & Q(status=MentorshipStatus.ENDED)),
        completed=Count("pk", filter=closed_in_period & Q(status=MentorshipStatus.COMPLETED)),
    )
    labels = dict(CloseReason.choices)
    by_reason = (
        mentorships.filter(closed_in_period, status=MentorshipStatus.ENDED)
        .order_by()
        .values("close_reason")
        .annotate(n=Count("pk"))
    )
    reasons = sorted(
        (
            Reason(
                row["close_reason"] or "unstated",
                labels.get(row["close_reason"], _("No reason given")),
                row["n"],
            )
            for row in by_reason
        ),
        key=lambda r: (-r.count, r.key),
    )
    return DropOff(
        withdrawals=people["withdrawals"],
        roster=people["roster"],
        ended_early=closures["ended_early"],
        running=closures["running"],
        reasons=reasons,
        completed=closures["completed"],
    )


# ---------------------------------------------------------------------------------------------
# At risk
# ---------------------------------------------------------------------------------------------


def _at_risk_condition(
    rules: EngagementSettings, now: dt.datetime, low_rated_below: Mapping[int, Q]
) -> Q:
    """The at-risk list's reasons (mentorships.selectors.at_risk) as one filter, for one
    program's rules, over the annotations `at_risk_count` makes. `low_rated_below` holds the
    "recent ratings low" filter by threshold, so programs sharing a rule share its subquery."""
    quiet_since = now - dt.timedelta(days=rules.quiet_after_days)
    quiet = Q(has_upcoming=False) & (
        Q(last_held__isnull=False, last_held__lte=quiet_since)
        | Q(last_held__isnull=True, started_on__lte=quiet_since.astimezone(dt.UTC).date())
    )
    unanswered = Q(last_message_at__lte=now - dt.timedelta(days=rules.unanswered_message_days))
    return (
        quiet
        | low_rated_below[rules.low_rating_below]
        | unanswered
        | Q(rematch_requested_at__isnull=False)
    )


def at_risk_count(*, scope: Scope, now: dt.datetime | None = None) -> int:
    """How many mentorships the at-risk list (`mentorships.selectors.at_risk.at_risk_list`)
    shows for the scope, counted by the database with the same rules, per program: two
    queries, without loading the mentorships (the list loads each one, which a count of
    tens of thousands cannot afford). The recent ratings are ranked in one pass (a window
    function) per distinct low-rating rule, not looked up per mentorship; the last check-in
    and message are index lookups (mentorships migration 0004). tests/analytics/
    test_metrics.py and test_dashboard_speed_guards.py hold the count equal to the list."""
    if connection.vendor == "postgresql":
        return _at_risk_count_in_one_pass(scope=scope, now=now or timezone.now())
    return _at_risk_count_by_filters(scope=scope, now=now or timezone.now())


def _at_risk_rules(scope: Scope) -> tuple[dict[int, EngagementSettings], EngagementSettings]:
    """The programs' saved engagement rules by program, and the defaults for the others."""
    organization = scope.organization
    saved = {row.program_id: row for row in EngagementSettings.objects.for_org(organization)}
    return saved, EngagementSettings(organization=organization)


def _at_risk_count_by_filters(*, scope: Scope, now: dt.datetime) -> int:
    """`at_risk_count` as one filtered count, on any database."""
    organization = scope.organization
    saved, defaults = _at_risk_rules(scope)
    in_scope = scope.cohort_filter() & Q(status__in=OPEN_STATUSES)
    low_rated_below = {
        below: low_rated(organization, in_scope, below=below)
        for below in {rules.low_rating_below for rules in [*saved.values(), defaults]}
    }
    check_ins = CheckIn.objects.for_org(organization).filter(
        mentorship=OuterRef("pk"), status=CheckInStatus.SCHEDULED
    )
    conditions = Q(pk__in=[])
    for program_id, rules in saved.items():
        conditions |= Q(cohort__program_id=program_id) & _at_risk_condition(
            rules, now, low_rated_below
        )
    conditions |= ~Q(cohort__program_id__in=list(saved)) & _at_risk_condition(
        defaults, now, low_rated_below
    )
    return (
        Mentorship.objects.for_org(organization)
        .filter(in_scope)
        .annotate(
            last_held=Subquery(
                check_ins.filter(ends_at__lte=now).order_by("-ends_at").values("ends_at")[:1]
            ),
            has_upcoming=Exists(check_ins.filter(starts_at__gt=now)),
            last_message_at=Subquery(
                Message.objects.for_org(organization)
                .filter(mentorship=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
        )
        .filter(conditions)
        .count()
    )


def _at_risk_count_in_one_pass(*, scope: Scope, now: dt.datetime) -> int:
    """`at_risk_count` on PostgreSQL: each open mentorship's facts (last check-in held, one
    to come, last message, recent ratings low under each rule) are worked out once, in a
    materialized inner query, and the programs' rules counted over them. As one filtered
    count, the ORM repeated the last-check-in lookup in every condition naming it, and
    PostgreSQL ran it three times per mentorship (60,000 mentorships: 180,000 index scans,
    about a second under load). Same rules, same count."""
    organization = scope.organization
    saved, defaults = _at_risk_rules(scope)
    in_scope = scope.cohort_filter() & Q(status__in=OPEN_STATUSES)
    thresholds = sorted({rules.low_rating_below for rules in [*saved.values(), defaults]})
    check_ins = CheckIn.objects.for_org(organization).filter(
        mentorship=OuterRef("pk"), status=CheckInStatus.SCHEDULED
    )
    facts = (
        Mentorship.objects.for_org(organization)
        .filter(in_scope)
        .order_by()
        .values(
            program=F("cohort__program_id"),
            started=F("started_on"),
            rematch=F("rematch_requested_at"),
        )
        .annotate(
            last_held=Subquery(
                check_ins.filter(ends_at__lte=now).order_by("-ends_at").values("ends_at")[:1]
            ),
            has_upcoming=Exists(check_ins.filter(starts_at__gt=now)),
            last_message_at=Subquery(
                Message.objects.for_org(organization)
                .filter(mentorship=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
            **{
                f"low_{below}": ExpressionWrapper(
                    low_rated(organization, in_scope, below=below), output_field=BooleanField()
                )
                for below in thresholds
            },
        )
    )
    facts_sql, facts_params = facts.query.sql_with_params()
    conditions: list[str] = []
    params: list[Any] = []

    def reasons(rules: EngagementSettings) -> str:
        """The list's reasons under one program's rules, over a row `f` of facts."""
        quiet_since = now - dt.timedelta(days=rules.quiet_after_days)
        params.extend([quiet_since, quiet_since.astimezone(dt.UTC).date()])
        params.append(now - dt.timedelta(days=rules.unanswered_message_days))
        return (
            "((NOT f.has_upcoming AND ((f.last_held IS NOT NULL AND f.last_held <= %s)"
            " OR (f.last_held IS NULL AND f.started <= %s)))"
            f" OR f.low_{int(rules.low_rating_below)} OR f.last_message_at <= %s"
            " OR f.rematch IS NOT NULL)"
        )

    for program_id, rules in saved.items():
        params.append(program_id)
        conditions.append(f"(f.program = %s AND {reasons(rules)})")
    if saved:
        others = ", ".join(["%s"] * len(saved))
        params.extend(saved)
        conditions.append(f"(f.program NOT IN ({others}) AND {reasons(defaults)})")
    else:
        conditions.append(reasons(defaults))
    with connection.cursor() as cursor:
        # Written around the ORM's SQL (its tables, organization filters and parameters): the
        # ORM cannot filter on annotations without repeating them.
        cursor.execute(
            f"WITH f AS MATERIALIZED ({facts_sql})"  # noqa: S608
            f" SELECT COUNT(*) FROM f WHERE {' OR '.join(conditions)}",
            (*facts_params, *params),
        )
        (count,) = cursor.fetchone()
    return int(count)
