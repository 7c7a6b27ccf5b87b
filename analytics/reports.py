"""The HR reports' rows (`/api/v1/reports/`, docs/reports.md): each report is a list of flat
dicts whose keys are the report's stable column names.

Figures come from the metric functions (`analytics.metrics`), the nightly snapshots
(`CohortDaySnapshot`) and the surveys results selector; nothing here defines a figure anew. The
per-row figures of the mentorship and participant lists count check-ins with the metrics' own
rule (`held_check_ins`), as correlated subqueries of the page's query: one query per page
whatever the number of check-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.cache import cache
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from analytics.fairness_selectors import (
    FairnessAudit,
    anonymity_threshold,
    fairness_audit,
    round_fairness_audit,
)
from analytics.metrics import (
    Period,
    Scope,
    active_mentorship_count,
    check_in_figures,
    drop_off,
    enrollment_funnel,
    goal_figures,
    held_check_ins,
    match_figures,
    matched_either_side,
    on_roster,
    pair_mix,
    running_in,
    satisfaction_figures,
)
from analytics.models import CohortDaySnapshot
from analytics.models.snapshots import data_version
from core.broker import task_send_once
from matching.models import MatchRound
from mentorships.models import CheckInRecord, Goal, GoalStatus, Mentorship, MentorshipMentee
from participants.models import Participant
from programs.models import Cohort
from surveys.anonymity import Dimension
from surveys.models import Survey
from surveys.results import SurveyResults, survey_results

if TYPE_CHECKING:
    from organizations.models import Organization

logger = logging.getLogger(__name__)

# Reports over a longer range would read more snapshot rows than a nightly import needs.
MAX_PERIOD_DAYS = 731
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. `country` and `function` narrow the people (participants, a
    mentorship's mentor or mentees, survey respondents); the organization-wide figures
    (summary, cohorts, time series) are defined per program or cohort only."""

    organization: Organization
    period: Period
    program_id: int | None = None
    cohort_id: int | None = None
    country: str | None = None
    function: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.organization, program_id=self.program_id, cohort_id=self.cohort_id)

    def cohort_q(self, path: str = "") -> Q:
        """Program and cohort together: a cohort of another program matches nothing."""
        q = Q()
        if self.program_id is not None:
            q &= Q(**{f"{path}cohort__program_id": self.program_id})
        if self.cohort_id is not None:
            q &= Q(**{f"{path}cohort_id": self.cohort_id})
        return q

    @property
    def narrows_scope(self) -> bool:
        """Both a program and a cohort outside it were asked for: nothing matches."""
        return self.program_id is not None and self.cohort_id is not None

    def people_q(self, path: str = "") -> Q:
        q = Q()
        if self.country:
            q &= Q(**{f"{path}country": self.country.upper()})
        if self.function:
            q &= Q(**{f"{path}function__iexact": self.function.strip()})
        return q


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------------------------------------
# Program summary
# ---------------------------------------------------------------------------------------------


def _cohort_in_program(report: ReportFilter) -> bool:
    cohort_id, program_id = report.cohort_id, report.program_id
    if cohort_id is None or program_id is None:
        return True
    return (
        Cohort.objects.for_org(report.organization)
        .filter(pk=cohort_id, program_id=program_id)
        .exists()
    )


# ---------------------------------------------------------------------------------------------
# Kept figures: served at once, counted again in the background (docs/reports.md, "How fresh")
# ---------------------------------------------------------------------------------------------
#
# A count of a large organization's figures takes seconds (the dashboard's panel 4.8 s at
# 100,000 participants), so no viewer waits for one once figures exist. Each count is kept
# under a key without the data version (`analytics.models.snapshots.data_version`, set anew by
# every write to a row the figures read), together with the version and the day it was counted
# at. The same version and day within `FRESH_SECONDS` is served as it is; anything older is
# served at once, marked as being updated, and one refresh task counts it again. An
# organization smaller than `BACKGROUND_FROM_PARTICIPANTS` (most of them, and every test's) is
# counted again during the request instead: a fraction of a second is cheaper than old figures
# and another round trip. Its size decides, not a measured time: a loaded machine must not turn
# a small organization's exact figures into old ones.

# Kept figures are served as current for at most this long: writes that send no signal (bulk
# updates, raw SQL), rows outside the versioned models (match proposals, rounds, enrollment
# questions) and the clock alone (a pair turning quiet) show within it.
FRESH_SECONDS = 10 * 60
# Kept figures outlive their freshness so that a later viewer sees old figures at once rather
# than a progress state; a day covers the night's snapshot and a weekend's quiet.
KEPT_SECONDS = 26 * 60 * 60
# From this many participants (ever, in the organization) figures are counted in the
# background: at 100,000 the panel takes 4.8 s and the summary 2.7 s, so at 5,000 a count in the
# request stays near the dashboard's 0.3 s goal.
BACKGROUND_FROM_PARTICIPANTS = 5_000
# How long an organization's size is taken as known (one count query when it lapses).
SIZE_SECONDS = 60 * 60
# How long a sent refresh keeps a burst of views from sending another; the refresh clears it
# when done, and a lost task is sent again once it lapses.
PENDING_SECONDS = 2 * 60
# The keys viewed within this are refreshed by the beat (`refresh_viewed_figures_task`).
VIEWED_SECONDS = 24 * 60 * 60
# The most keys an organization's registry holds (the most recently viewed): each filter, period
# and language is a key, and the beat refreshes each one a write made old.
MAX_VIEWED_KEYS = 50
# A viewed key is noted in the registry at most once per this (one cache write, not one a view).
SEEN_SECONDS = 60 * 60

T = TypeVar("T")


class NotCountable(Exception):
    """A refresh whose key no longer means what it did (e.g. the anonymity threshold changed):
    nothing is kept under it."""


@dataclass(frozen=True)
class Kept:
    """One count as the cache keeps it."""

    version: str
    day: dt.date
    counted_at: dt.datetime
    seconds: float
    value: Any


@dataclass(frozen=True)
class Counted(Generic[T]):
    """Figures as served: `value` None while the first count of a key runs in the background
    (`counting`); `updating` when they predate the latest write and a refresh is on its way."""

    value: T | None
    counted_at: dt.datetime | None
    updating: bool = False

    @property
    def counting(self) -> bool:
        return self.value is None


def _today() -> dt.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def period_params(period: Period, today: dt.date) -> dict[str, int]:
    """A period as days before `today`: "the last 90 days" is one key from one day to the next,
    and yesterday's count is served (as being updated) on the first view of a new day."""
    return {"start": (period.start - today).days, "end": (period.end - today).days}


def params_period(params: Mapping[str, Any], today: dt.date) -> Period:
    return Period(
        today + dt.timedelta(days=int(params["start"])),
        today + dt.timedelta(days=int(params["end"])),
    )


def figures_key(kind: str, organization_id: int, params: Mapping[str, Any]) -> str:
    parts = "|".join(f"{name}={params[name]}" for name in sorted(params))
    digest = hashlib.sha256(parts.encode()).hexdigest()[:24]
    return f"analytics:figures:{kind}:{organization_id}:{digest}"


def _registry_key(organization_id: int) -> str:
    return f"analytics:figures-viewed:{organization_id}"


def counts_in_background(organization_id: int) -> bool:
    """Whether the organization is large enough for its figures to be counted by a task
    (`BACKGROUND_FROM_PARTICIPANTS`); at most one query an hour. Call it in the organization's
    scope (a request's, or `in_organization`): row-level security counts nothing outside."""
    key = f"analytics:figures-size:{organization_id}"
    size = cache.get(key)
    if size is None:
        size = Participant.objects.for_org(organization_id).count()
        cache.set(key, size, SIZE_SECONDS)
    return bool(size >= BACKGROUND_FROM_PARTICIPANTS)


def _is_fresh(kept: Kept, version: str, today: dt.date) -> bool:
    age = (timezone.now() - kept.counted_at).total_seconds()
    return kept.version == version and kept.day == today and age < FRESH_SECONDS


def _kept(key: str) -> Kept | None:
    kept = cache.get(key)
    return kept if isinstance(kept, Kept) else None


def _count_and_keep(key: str, organization_id: int, today: dt.date, count: Callable[[], T]) -> Kept:
    # The version is read before counting: a write during the count leaves the figures under
    # the older version, so they are counted again rather than served as current.
    version = data_version(organization_id)
    started = time.monotonic()
    value = count()
    seconds = time.monotonic() - started
    kept = Kept(version, today, timezone.now(), seconds, value)
    cache.set(key, kept, KEPT_SECONDS)
    return kept


def _note_viewed(kind: str, organization_id: int, params: Mapping[str, Any], key: str) -> None:
    """Add the key to the organization's registry of viewed figures (once an hour per key)."""
    if not cache.add(f"{key}:seen", 1, SEEN_SECONDS):
        return
    now = time.time()
    registry = cache.get(_registry_key(organization_id)) or {}
    registry = {k: v for k, v in registry.items() if now - v[2] < VIEWED_SECONDS}
    registry[key] = (kind, dict(params), now)
    if len(registry) > MAX_VIEWED_KEYS:
        latest = sorted(registry.items(), key=lambda item: item[1][2])[-MAX_VIEWED_KEYS:]
        registry = dict(latest)
    cache.set(_registry_key(organization_id), registry, VIEWED_SECONDS)


def viewed_figures(organization_id: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """The organization's keys viewed within `VIEWED_SECONDS`: key → (kind, params)."""
    now = time.time()
    registry = cache.get(_registry_key(organization_id)) or {}
    return {
        key: (kind, params)
        for key, (kind, params, viewed) in registry.items()
        if now - viewed < VIEWED_SECONDS
    }


def figures_stale(kind: str, organization_id: int, params: Mapping[str, Any]) -> bool:
    """Whether the key's kept figures are missing or older than the data (no query)."""
    kept = _kept(figures_key(kind, organization_id, params))
    return kept is None or not _is_fresh(kept, data_version(organization_id), _today())


def request_refresh(kind: str, organization_id: int, params: Mapping[str, Any]) -> bool:
    """Send one refresh task for the key unless one is already on its way; True when sent."""
    from analytics.tasks import refresh_figures_task  # the tasks read this module

    key = figures_key(kind, organization_id, params)
    if not cache.add(f"{key}:pending", 1, PENDING_SECONDS):
        return False
    return task_send_once(
        refresh_figures_task,
        (kind, organization_id, dict(params)),
        what=f"the refresh of {kind} figures of organization {organization_id}",
    )


def kept_figures(
    *,
    kind: str,
    organization_id: int,
    params: Mapping[str, Any],
    count: Callable[[], T],
    wait: bool,
    today: dt.date | None = None,
) -> Counted[T]:
    """The key's figures: kept and current; counted now in an organization small enough
    (`counts_in_background`); otherwise the kept ones, marked as being updated while one
    refresh task counts them again.
    With nothing kept, `wait` counts during the request (an API client needs an answer);
    without it the caller shows a progress state (`Counted.counting`)."""
    today = today or _today()
    key = figures_key(kind, organization_id, params)
    _note_viewed(kind, organization_id, params, key)
    kept = _kept(key)
    if kept is not None and _is_fresh(kept, data_version(organization_id), today):
        return Counted(kept.value, kept.counted_at)
    if today != _today() or not counts_in_background(organization_id):
        # Quick to count, or a day other than today's (only the caller can count it: a refresh
        # counts today's).
        kept = _count_and_keep(key, organization_id, today, count)
        return Counted(kept.value, kept.counted_at)
    if kept is None and wait:
        kept = _count_and_keep(key, organization_id, today, count)
        return Counted(kept.value, kept.counted_at)
    request_refresh(kind, organization_id, params)
    # Read once more: an eager or very quick worker may already have kept fresh figures.
    latest = _kept(key) or kept
    if latest is None:
        return Counted(None, None, updating=True)
    fresh = _is_fresh(latest, data_version(organization_id), today)
    return Counted(latest.value, latest.counted_at, updating=not fresh)


def refresh_figures(
    *,
    kind: str,
    organization_id: int,
    params: Mapping[str, Any],
    count: Callable[[dt.date], Any],
) -> bool:
    """Count the key's figures again when they are missing or older than the data; True when
    it counted. Safe to repeat: a second run finds them current and counts nothing."""
    key = figures_key(kind, organization_id, params)
    try:
        if not figures_stale(kind, organization_id, params):
            return False
        today = _today()
        try:
            _count_and_keep(key, organization_id, today, lambda: count(today))
        except NotCountable as reason:
            logger.info("%s not refreshed: %s", key, reason)
            return False
        return True
    finally:
        cache.delete(f"{key}:pending")


def summary_params(report: ReportFilter, today: dt.date) -> dict[str, Any]:
    return {
        "program": report.program_id,
        "cohort": report.cohort_id,
        **period_params(report.period, today),
        "language": translation.get_language(),
    }


def summary_counted(report: ReportFilter) -> Counted[dict[str, Any]]:
    """The summary row with when it was counted (the response's `Last-Modified`): the metrics'
    own queries (2.7 s at 100,000 participants), kept and refreshed as "Kept figures" says;
    with nothing kept yet it is counted during the request, as an API client needs an answer."""
    return kept_figures(
        kind="summary",
        organization_id=report.organization.pk,
        params=summary_params(report, _today()),
        count=lambda: _summary_row(report),
        wait=True,
    )


def summary_row(report: ReportFilter) -> dict[str, Any]:
    """The program's (or cohort's, or organization's) figures for the period, each as
    docs/metrics.md defines it (`summary_counted` without the time)."""
    row = summary_counted(report).value
    assert row is not None  # counted during the request when nothing was kept
    return row


def count_summary(organization: Organization, params: Mapping[str, Any], today: dt.date) -> Any:
    """The refresh's count of a kept summary (`summary_params` back into a filter)."""
    report = ReportFilter(
        organization=organization,
        period=params_period(params, today),
        program_id=params["program"],
        cohort_id=params["cohort"],
    )
    return _summary_row(report)


def _summary_row(report: ReportFilter) -> dict[str, Any]:
    scope = report.scope
    if not _cohort_in_program(report):
        # A cohort of another program: the figures of nothing, not of the cohort.
        scope = Scope(report.organization, cohort_id=0)
    period = report.period
    funnel = enrollment_funnel(scope=scope, period=period)
    matching = match_figures(scope=scope, period=period)
    check_ins = check_in_figures(scope=scope, period=period)
    goals = goal_figures(scope=scope, period=period)
    satisfaction = satisfaction_figures(scope=scope, period=period)
    pairs = pair_mix(scope=scope, period=period)
    leaving = drop_off(scope=scope, period=period)
    return {
        "program": report.program_id,
        "cohort": report.cohort_id,
        "start": period.start,
        "end": period.end,
        # The roster's size only: the breakdown by country, function and seniority would
        # count it three times over.
        "participants": on_roster(scope, period.ends_at).count(),
        "invited": funnel.invited,
        "enrolled": funnel.enrolled,
        "matched": funnel.matched,
        "first_check_in": funnel.first_check_in,
        "active": funnel.active,
        "completed": funnel.completed,
        "mentees_joined": matching.mentees,
        "mentees_matched": matching.matched,
        "match_rate": _rounded(matching.match_rate),
        "median_days_to_match": _rounded(matching.median_days_to_match, 2),
        "active_mentorships": active_mentorship_count(scope=scope, day=period.end),
        "mentorships_running": check_ins.mentorships,
        "check_ins_held": check_ins.held,
        "check_ins_per_mentorship": _rounded(check_ins.per_mentorship, 2),
        "hours_mentored": round(check_ins.hours, 2),
        "ratings": check_ins.ratings,
        "average_rating": _rounded(check_ins.average_rating, 2),
        "goals_set": goals.set,
        "goals_done": goals.done,
        "goal_completion_rate": _rounded(goals.completion_rate),
        "satisfaction_source": satisfaction.source,
        "satisfaction_responses": satisfaction.responses,
        "satisfaction_average": _rounded(satisfaction.average, 2),
        "nps": _rounded(satisfaction.nps, 1),
        "pairs_started": pairs.pairs,
        "cross_cultural_share": _rounded(pairs.cross_cultural_share),
        "cross_functional_share": _rounded(pairs.cross_functional_share),
        "withdrawals": leaving.withdrawals,
        "withdrawal_rate": _rounded(leaving.withdrawal_rate),
        "mentorships_completed": leaving.completed,
        "mentorships_ended_early": leaving.ended_early,
        "drop_off_rate": _rounded(leaving.drop_off_rate),
    }


# ---------------------------------------------------------------------------------------------
# Snapshot-backed reports: cohort engagement and the time series
# ---------------------------------------------------------------------------------------------

# Counts at a day's end: a period reads its last snapshot. The others add up over the days.
STOCK_FIGURES = (
    "participants",
    "mentees",
    "matched_mentees",
    "mentorships_open",
    "mentorships_active",
)
FLOW_FIGURES = (
    "joined",
    "withdrawals",
    "mentorships_started",
    "mentorships_completed",
    "mentorships_ended_early",
    "check_ins_held",
    "minutes_mentored",
    "ratings",
    "rating_total",
    "satisfied_ratings",
)


def snapshots(report: ReportFilter) -> QuerySet[CohortDaySnapshot]:
    return CohortDaySnapshot.objects.for_org(report.organization).filter(
        report.cohort_q(), day__gte=report.period.start, day__lte=report.period.end
    )


def snapshots_changed_at(report: ReportFilter) -> dt.datetime | None:
    """When the snapshots a report reads were last written (its `Last-Modified`). One query."""
    return snapshots(report).aggregate(changed=Max("taken_at"))["changed"]


def snapshot_etag(report: ReportFilter, changed: dt.datetime | None, variant: str) -> str:
    """A strong validator of a snapshot-backed report: the same filter and the same snapshots
    give the same bytes."""
    parts = [
        variant,
        str(report.organization.pk),
        str(report.program_id),
        str(report.cohort_id),
        report.period.start.isoformat(),
        report.period.end.isoformat(),
        changed.isoformat() if changed else "-",
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _engagement(figures: Mapping[str, Any]) -> dict[str, Any]:
    ratings = figures.get("ratings") or 0
    return {
        "hours_mentored": round((figures.get("minutes_mentored") or 0) / 60, 2),
        "average_rating": _rounded(figures["rating_total"] / ratings, 2) if ratings else None,
        "satisfied_share": _rounded(figures["satisfied_ratings"] / ratings) if ratings else None,
    }


def cohort_queryset(report: ReportFilter) -> QuerySet[Cohort]:
    q = Q()
    if report.program_id is not None:
        q &= Q(program_id=report.program_id)
    if report.cohort_id is not None:
        q &= Q(pk=report.cohort_id)
    return (
        Cohort.objects.for_org(report.organization)
        .filter(q)
        .select_related("program")
        .only("pk", "name", "status", "created_at", "program__id", "program__name")
    )


def cohort_rows(report: ReportFilter, cohorts: Iterable[Cohort]) -> list[dict[str, Any]]:
    """Each cohort's engagement over the period from its snapshots: two queries for the page."""
    cohorts = list(cohorts)
    ids = [cohort.pk for cohort in cohorts]
    rows = snapshots(report).filter(cohort_id__in=ids)
    flows: dict[int, Mapping[str, Any]] = {
        row["cohort_id"]: row
        for row in rows.order_by()
        .values("cohort_id")
        .annotate(
            days=Count("pk"),
            last_day=Max("day"),
            **{name: Sum(name) for name in FLOW_FIGURES},
        )
    }
    last_day = (
        CohortDaySnapshot.objects.for_org(report.organization)
        .filter(cohort_id=OuterRef("cohort_id"), day__lte=report.period.end)
        .filter(day__gte=report.period.start)
        .order_by("-day")
        .values("day")[:1]
    )
    stocks: dict[int, Mapping[str, Any]] = {
        row["cohort_id"]: row
        for row in rows.filter(day=Subquery(last_day)).values("cohort_id", *STOCK_FIGURES)
    }
    result = []
    for cohort in cohorts:
        flow = flows.get(cohort.pk) or dict.fromkeys(FLOW_FIGURES, 0)
        stock = stocks.get(cohort.pk) or dict.fromkeys(STOCK_FIGURES, 0)
        result.append(
            {
                "cohort": cohort.pk,
                "cohort_name": cohort.name,
                "program": cohort.program.pk,
                "program_name": cohort.program.name,
                "status": cohort.status,
                "start": report.period.start,
                "end": report.period.end,
                "snapshot_days": flow.get("days") or 0,
                "last_snapshot_day": flow.get("last_day"),
                **{name: stock[name] or 0 for name in STOCK_FIGURES},
                **{
                    name: flow[name] or 0
                    for name in FLOW_FIGURES
                    if name not in ("minutes_mentored", "rating_total", "satisfied_ratings")
                },
                **_engagement({name: flow[name] or 0 for name in FLOW_FIGURES}),
            }
        )
    return result


def time_series_rows(report: ReportFilter) -> list[dict[str, Any]]:
    """One row per day the snapshots cover, summed over the scope's cohorts: one query."""
    rows: Iterable[Mapping[str, Any]] = (
        snapshots(report)
        .order_by()
        .values("day")
        .annotate(
            cohorts=Count("pk"),
            **{name: Sum(name) for name in (*STOCK_FIGURES, *FLOW_FIGURES)},
        )
        .order_by("day")
    )
    return [
        {
            "day": row["day"],
            "cohorts": row["cohorts"],
            **{name: row[name] or 0 for name in STOCK_FIGURES},
            **{
                name: row[name] or 0
                for name in FLOW_FIGURES
                if name not in ("minutes_mentored", "rating_total", "satisfied_ratings")
            },
            **_engagement({name: row[name] or 0 for name in FLOW_FIGURES}),
        }
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# Mentorships and participants with their engagement
# ---------------------------------------------------------------------------------------------

_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def _count(queryset: QuerySet[Any], group: str) -> Subquery:
    return Subquery(
        queryset.order_by().values(group).annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def mentorship_queryset(report: ReportFilter) -> QuerySet[Mentorship]:
    """Mentorships running in the period, each with its figures for the period (held
    check-ins, hours, ratings) and now (goals, last check-in). One query per page."""
    organization = report.organization
    period = report.period
    mentorships = Mentorship.objects.for_org(organization).filter(
        report.cohort_q(), running_in(period)
    )
    if report.country or report.function:
        mentees = MentorshipMentee.objects.for_org(organization).filter(
            report.people_q("mentee__"), mentorship=OuterRef("pk")
        )
        mentorships = mentorships.filter(Q(report.people_q("mentor__")) | Q(Exists(mentees)))
    scope = Scope(organization)
    ever_held = held_check_ins(scope, before=timezone.now()).filter(mentorship=OuterRef("pk"))
    held_in_period = held_check_ins(scope, before=period.ends_at).filter(
        starts_at__gte=period.starts_at
    )
    held = held_in_period.filter(mentorship=OuterRef("pk"))
    hours = held.order_by().values("mentorship").annotate(length=Sum(_LENGTH)).values("length")
    records = CheckInRecord.objects.for_org(organization).filter(
        check_in__mentorship=OuterRef("pk"),
        check_in__in=held_in_period.values("pk"),
        rating__isnull=False,
    )
    average_rating = records.order_by().values("check_in__mentorship").annotate(a=Avg("rating"))
    goals = (
        Goal.objects.for_org(organization)
        .filter(mentorship=OuterRef("pk"))
        .exclude(status=GoalStatus.DROPPED)
    )
    seats = MentorshipMentee.objects.for_org(organization).filter(mentorship=OuterRef("pk"))
    return (
        mentorships.select_related("cohort")
        .only(
            "pk",
            "cohort__id",
            "cohort__program_id",
            "mentor_id",
            "status",
            "started_on",
            "ended_on",
            "close_reason",
            "created_at",
        )
        .annotate(
            mentee_count=Coalesce(_count(seats, "mentorship"), Value(0)),
            held_in_period=Coalesce(_count(held, "mentorship"), Value(0)),
            length_in_period=Subquery(hours, output_field=DurationField()),
            ratings_in_period=Coalesce(_count(records, "check_in__mentorship"), Value(0)),
            average_rating=Subquery(average_rating.values("a"), output_field=FloatField()),
            goals_set=Coalesce(_count(goals, "mentorship"), Value(0)),
            goals_done=Coalesce(
                _count(goals.filter(status=GoalStatus.DONE), "mentorship"), Value(0)
            ),
            last_check_in_at=Subquery(ever_held.order_by("-starts_at").values("starts_at")[:1]),
        )
    )


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment, timezone.get_default_timezone()) if moment else None


def mentorship_rows(mentorships: Iterable[Mentorship]) -> list[dict[str, Any]]:
    return [
        {
            "mentorship": m.pk,
            "cohort": m.cohort.pk,
            "program": m.cohort.program_id,
            "mentor": m.mentor_id,
            "mentees": m.mentee_count,  # type: ignore[attr-defined]
            "status": m.status,
            "started_on": m.started_on,
            "ended_on": m.ended_on,
            "close_reason": m.close_reason,
            "check_ins_held": m.held_in_period,  # type: ignore[attr-defined]
            "hours_mentored": round(
                (m.length_in_period or dt.timedelta(0)).total_seconds() / 3600,  # type: ignore[attr-defined]
                2,
            ),
            "ratings": m.ratings_in_period,  # type: ignore[attr-defined]
            "average_rating": _rounded(m.average_rating, 2),  # type: ignore[attr-defined]
            "goals_set": m.goals_set,  # type: ignore[attr-defined]
            "goals_done": m.goals_done,  # type: ignore[attr-defined]
            "last_check_in_on": _day(m.last_check_in_at),  # type: ignore[attr-defined]
        }
        for m in mentorships
    ]


def participant_queryset(report: ReportFilter) -> QuerySet[Participant]:
    """Participations on the roster at some moment of the period, with their mentorships and
    the check-ins held in them during the period (as mentor or mentee). One query per page."""
    organization = report.organization
    period = report.period
    people = (
        Participant.objects.for_org(organization)
        .filter(report.cohort_q(), report.people_q(), created_at__lt=period.ends_at)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=period.starts_at))
    )
    scope = Scope(organization)
    mentorships = Mentorship.objects.for_org(organization).filter(started_on__lte=period.end)
    as_mentor = mentorships.filter(mentor=OuterRef("pk"))
    as_mentee = mentorships.filter(memberships__mentee=OuterRef("pk"))
    held = held_check_ins(scope, before=period.ends_at).filter(starts_at__gte=period.starts_at)
    ever_held = held_check_ins(scope, before=timezone.now())

    def last(rows: QuerySet[Any]) -> Subquery:
        return Subquery(rows.order_by("-starts_at").values("starts_at")[:1])

    return (
        people.select_related("cohort")
        .only(
            "pk",
            "full_name",
            "email",
            "cohort__id",
            "cohort__program_id",
            "role",
            "status",
            "country",
            "function",
            "seniority",
            "created_at",
            "withdrawn_at",
        )
        .annotate(
            mentoring=Coalesce(_count(as_mentor, "mentor"), Value(0)),
            mentored=Coalesce(_count(as_mentee, "memberships__mentee"), Value(0)),
            held_as_mentor=Coalesce(
                _count(held.filter(mentorship__mentor=OuterRef("pk")), "mentorship__mentor"),
                Value(0),
            ),
            held_as_mentee=Coalesce(
                _count(
                    held.filter(mentorship__memberships__mentee=OuterRef("pk")),
                    "mentorship__memberships__mentee",
                ),
                Value(0),
            ),
            last_as_mentor=last(ever_held.filter(mentorship__mentor=OuterRef("pk"))),
            last_as_mentee=last(ever_held.filter(mentorship__memberships__mentee=OuterRef("pk"))),
            # The one definition of matched (docs/metrics.md): by the match's moment.
            is_matched=ExpressionWrapper(
                matched_either_side(organization, before=period.ends_at),
                output_field=BooleanField(),
            ),
        )
    )


def participant_rows(people: Iterable[Participant]) -> list[dict[str, Any]]:
    rows = []
    for p in people:
        lasts = [t for t in (p.last_as_mentor, p.last_as_mentee) if t]  # type: ignore[attr-defined]
        rows.append(
            {
                "participant": p.pk,
                "full_name": p.full_name,
                "email": p.email,
                "cohort": p.cohort.pk,
                "program": p.cohort.program_id,
                "role": p.role,
                "status": p.status,
                "country": str(p.country),
                "function": p.function,
                "seniority": p.seniority,
                "joined_on": _day(p.created_at),
                "withdrawn_on": _day(p.withdrawn_at),
                "matched": p.is_matched,  # type: ignore[attr-defined]
                "mentorships": p.mentoring + p.mentored,  # type: ignore[attr-defined]
                "check_ins_held": p.held_as_mentor + p.held_as_mentee,  # type: ignore[attr-defined]
                "last_check_in_on": _day(max(lasts)) if lasts else None,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Survey results
# ---------------------------------------------------------------------------------------------


def report_survey(report: ReportFilter, survey_id: int | None) -> Survey | None:
    """The survey asked for, or the scope's most recently opened one. One query."""
    surveys = Survey.objects.for_org(report.organization)
    if report.program_id is not None:
        surveys = surveys.filter(program_id=report.program_id)
    if survey_id is not None:
        return surveys.filter(pk=survey_id).first()
    return surveys.order_by(F("opens_at").desc(nulls_last=True), "-created_at", "-id").first()


def survey_result(report: ReportFilter, survey: Survey) -> SurveyResults:
    """The surveys selector's results with the report's people filters as its dimensions: the
    organization's anonymity threshold applies to every combination."""
    chosen: dict[Dimension, str] = {}
    if report.cohort_id is not None:
        chosen[Dimension.COHORT] = str(report.cohort_id)
    if report.country:
        chosen[Dimension.COUNTRY] = report.country
    if report.function:
        chosen[Dimension.FUNCTION] = report.function
    return survey_results(
        organization=report.organization, survey=survey, chosen=chosen, text_limit=0
    )


def survey_result_rows(results: SurveyResults) -> list[dict[str, Any]]:
    """One row per answer value of each question (per statement value for a matrix), and one
    row per question without values (its mean, NPS)."""
    rows: list[dict[str, Any]] = []
    for question in results.questions:
        base = {
            "survey": results.survey.pk,
            "question": question.key,
            "question_type": question.type,
            "question_text": question.text,
            "section": question.section,
            "answered": 0 if question.withheld else question.answered,
            "withheld": question.withheld,
            "mean": _rounded(question.mean, 3),
            "nps": question.nps.score if question.nps else None,
        }
        emitted = False
        for count in question.counts:
            rows.append(
                {
                    **base,
                    "statement": "",
                    "value": count.value,
                    "label": count.label,
                    "count": count.count,
                    "percent": count.percent,
                }
            )
            emitted = True
        for statement in question.statements:
            for count in statement.counts:
                rows.append(
                    {
                        **base,
                        "statement": statement.key,
                        "value": count.value,
                        "label": count.label,
                        "count": count.count,
                        "percent": count.percent,
                    }
                )
                emitted = True
        if not emitted:
            rows.append(
                {**base, "statement": "", "value": "", "label": "", "count": None, "percent": None}
            )
    return rows


# ---------------------------------------------------------------------------------------------
# Fairness audit
# ---------------------------------------------------------------------------------------------


def report_match_round(report: ReportFilter, round_id: int) -> MatchRound | None:
    """The round asked for, when it is the organization's and within the report's program
    and cohort; another organization's round is no round. One query."""
    return (
        MatchRound.objects.for_org(report.organization)
        .filter(report.cohort_q(), pk=round_id)
        .select_related("organization")
        .first()
    )


def fairness_rows(
    report: ReportFilter, attribute: str | None, round_id: int | None = None
) -> list[dict[str, Any]]:
    """The audit of `analytics.fairness_selectors` as one row per attribute, group and
    metric; small groups are already folded into "other" there, withheld cells have no gap.
    With a round: that round's proposals (proposal rate and score per group, as its review
    page shows them before publishing); a round outside the report's scope has no rows."""
    if round_id is not None:
        match_round = report_match_round(report, round_id)
        if match_round is None:
            return []
        # A round under review changes with every proposal rejected or pinned, and counts one
        # cohort's people: it is counted afresh.
        return _fairness_audit_rows(
            round_fairness_audit(
                organization=report.organization, match_round=match_round, attribute=attribute
            ),
            round_id,
        )
    counted = fairness_counted(report, attribute)
    assert counted.value is not None  # counted during the request when nothing was kept
    return counted.value


def fairness_params(report: ReportFilter, attribute: str | None) -> dict[str, Any]:
    # The threshold is part of the key, not of the version: figures kept under a smaller one
    # show groups a new threshold hides, and are never served once it is raised.
    return {
        "program": report.program_id,
        "cohort": report.cohort_id,
        "attribute": attribute,
        "threshold": anonymity_threshold(report.organization),
        "language": translation.get_language(),
    }


def fairness_counted(report: ReportFilter, attribute: str | None) -> Counted[list[dict[str, Any]]]:
    """A scope's fairness audit as rows with when it was counted: it reads every mentee the
    scope ever held (0.9 s at 100,000 participants), kept and refreshed as "Kept figures"
    says; with nothing kept yet it is counted during the request."""
    return kept_figures(
        kind="fairness",
        organization_id=report.organization.pk,
        params=fairness_params(report, attribute),
        count=lambda: _scope_fairness_rows(report, attribute),
        wait=True,
    )


def _scope_fairness_rows(report: ReportFilter, attribute: str | None) -> list[dict[str, Any]]:
    return _fairness_audit_rows(
        fairness_audit(
            organization=report.organization,
            program_id=report.program_id,
            cohort_id=report.cohort_id,
            attribute=attribute,
        ),
        None,
    )


def count_fairness(organization: Organization, params: Mapping[str, Any], today: dt.date) -> Any:
    """The refresh's count of a kept audit (`fairness_params` back into a filter); nothing when
    the threshold changed since (the key of the new one is counted on its own)."""
    if params["threshold"] != anonymity_threshold(organization):
        raise NotCountable("the anonymity threshold changed")
    report = ReportFilter(
        organization=organization,
        period=Period.last_days(DEFAULT_PERIOD_DAYS, today=today),
        program_id=params["program"],
        cohort_id=params["cohort"],
    )
    return _scope_fairness_rows(report, params["attribute"])


def _fairness_audit_rows(audit: FairnessAudit, round_id: int | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in audit.attributes:
        sentences = {(f.group, f.metric): f.sentence for f in item.findings}
        for group in item.rows:
            for metric in audit.metrics:
                cell = group.cells.get(metric.key)
                if cell is None:
                    continue
                gap = cell.gap
                rows.append(
                    {
                        "attribute": item.key,
                        "attribute_label": item.label,
                        "group": group.key,
                        "group_label": group.label,
                        "is_other": group.is_other,
                        "group_size": group.n,
                        "metric": metric.key,
                        "metric_label": str(metric.label),
                        "value": _rounded(cell.value),
                        "rest": _rounded(gap.rest) if gap else None,
                        "difference": _rounded(gap.difference) if gap else None,
                        "ci_low": _rounded(gap.low) if gap else None,
                        "ci_high": _rounded(gap.high) if gap else None,
                        "p_value": _rounded(gap.p_value, 6) if gap else None,
                        "adjusted_p": _rounded(cell.adjusted_p, 6),
                        "flagged": cell.flagged,
                        "withheld": cell.withheld,
                        "finding": str(
                            sentences.get((group.label, metric.key))
                            or sentences.get((group.key, metric.key))
                            or ""
                        ),
                        "match_round": round_id,
                    }
                )
    return rows
