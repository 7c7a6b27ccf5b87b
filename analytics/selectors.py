"""Reads of the analytics app's own rows: time series from the nightly snapshots, with the
days they do not cover (today, days before the first nightly run) counted live."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.metrics import CheckIns, Period, Scope, day_start, held_check_ins, running_in
from analytics.models import CohortDaySnapshot
from mentorships.models import CheckInRecord, Mentorship


@dataclass(frozen=True)
class WeekCount:
    starts_on: dt.date  # the Monday; the first and last weeks may be cut by the period
    held: int


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class DayFacts:
    """What happened on one day in a scope, as additive facts (a period's figure is their
    sum): held check-ins, their length, and the members' ratings of them."""

    held: int = 0
    seconds: int = 0
    ratings: int = 0
    rating_total: int = 0
    rating_counts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # of the values 1..5
    # At the day's end, where a snapshot says (None on a day counted live; not summed):
    # participations on the roster, and mentorships active.
    participants: int | None = None
    active: int | None = None

    def __add__(self, other: DayFacts) -> DayFacts:
        return DayFacts(
            held=self.held + other.held,
            seconds=self.seconds + other.seconds,
            ratings=self.ratings + other.ratings,
            rating_total=self.rating_total + other.rating_total,
            rating_counts=cast(
                "tuple[int, int, int, int, int]",
                tuple(a + b for a, b in zip(self.rating_counts, other.rating_counts, strict=True)),
            ),
        )


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def covered_days(
    *, scope: Scope, start: dt.date, end: dt.date, today: dt.date
) -> dict[dt.date, int]:
    """The coverage rule: the past days from `start` to `end` (before `today`) that the
    snapshots may cover, each with how many cohort snapshots it needs — one of every cohort of
    the scope whose snapshots had begun by then (its first snapshot with every fact the
    dashboard reads, `seconds_mentored` set, is of that day or earlier). The nightly run writes
    every cohort, so a cohort's snapshots begin the night after it was created (or the first
    night of the run) and have no gaps unless a night was missed. A day with fewer snapshots
    than it needs, or with none, is counted live. One query."""
    firsts = list(
        CohortDaySnapshot.objects.for_org(scope.organization)
        .filter(scope.cohort_filter(), seconds_mentored__isnull=False, day__lte=end)
        .order_by()
        .values("cohort_id")
        .annotate(first=Min("day"))
        .values_list("first", flat=True)
    )
    return {
        day: sum(1 for first in firsts if first <= day)
        for day in _days(start, min(end, today - dt.timedelta(days=1)))
    }


def _rating_counts(row: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    return (row["r1"], row["r2"], row["r3"], row["r4"], row["r5"])


def facts_by_day(
    *, scope: Scope, start: dt.date, end: dt.date, today: dt.date | None = None
) -> dict[dt.date, DayFacts]:
    """Each day's facts from `start` to `end`: read from the snapshots where they cover the
    day (`covered_days`), counted live as docs/metrics.md defines a held check-in for the
    rest (today, days before the first nightly run, a day a cohort's snapshot is missing).
    At most four queries whatever the number of days, cohorts or check-ins: where the
    cohorts' snapshots begin, the snapshots grouped by day, and for the days left the
    check-ins and their ratings grouped by day."""
    zone = timezone.get_default_timezone()
    today = today or timezone.localdate(timezone=zone)
    facts = dict.fromkeys(_days(start, end), DayFacts())
    needed = {
        day: cohorts
        for day, cohorts in covered_days(scope=scope, start=start, end=end, today=today).items()
        if cohorts
    }
    live = set(facts)
    if needed:
        rows = (
            CohortDaySnapshot.objects.for_org(scope.organization)
            .filter(
                scope.cohort_filter(),
                day__gte=start,
                day__lte=max(needed),
                seconds_mentored__isnull=False,
            )
            .order_by()
            .values("day")
            .annotate(
                cohorts=Count("pk"),
                held=Sum("check_ins_held"),
                participants=Sum("participants"),
                active=Sum("mentorships_active"),
                seconds=Sum("seconds_mentored"),
                ratings=Sum("ratings"),
                rating_total=Sum("rating_total"),
                **{f"r{value}": Sum(f"rating_{value}") for value in range(1, 6)},
            )
        )
        snapshot: Mapping[str, Any]
        for snapshot in rows:
            if snapshot["cohorts"] != needed.get(snapshot["day"]):
                continue
            facts[snapshot["day"]] = DayFacts(
                held=snapshot["held"],
                seconds=snapshot["seconds"],
                ratings=snapshot["ratings"],
                rating_total=snapshot["rating_total"],
                rating_counts=_rating_counts(snapshot),
                participants=snapshot["participants"],
                active=snapshot["active"],
            )
            live.discard(snapshot["day"])
    if not live:
        return facts
    first, last = min(live), max(live)
    held = (
        held_check_ins(scope, before=day_start(last + dt.timedelta(days=1)))
        .filter(starts_at__gte=day_start(first))
        .annotate(day=TruncDate("starts_at", tzinfo=zone))
        .filter(day__in=sorted(live))
    )
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    counted: dict[dt.date, Mapping[str, Any]] = {
        row["day"]: row
        for row in held.order_by().values("day").annotate(held=Count("pk"), length=Sum(length))
    }
    ratings: dict[dt.date, Mapping[str, Any]] = {
        row["day"]: row
        for row in CheckInRecord.objects.for_org(scope.organization)
        .filter(check_in__in=held.values("pk"), rating__isnull=False)
        .annotate(day=TruncDate("check_in__starts_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(
            n=Count("pk"),
            total=Sum("rating"),
            **{f"r{value}": Count("pk", filter=Q(rating=value)) for value in range(1, 6)},
        )
    }
    for day in live:
        row, rated = counted.get(day), ratings.get(day)
        if row is None and rated is None:
            continue
        facts[day] = DayFacts(
            held=row["held"] if row else 0,
            seconds=round((row["length"] or dt.timedelta(0)).total_seconds()) if row else 0,
            ratings=rated["n"] if rated else 0,
            rating_total=rated["total"] if rated else 0,
            rating_counts=_rating_counts(rated) if rated else (0, 0, 0, 0, 0),
        )
    return facts


def check_ins_held_by_day(
    *, scope: Scope, period: Period, today: dt.date | None = None
) -> dict[dt.date, int]:
    """Check-ins held on each day of the period (`facts_by_day`)."""
    return {
        day: facts.held
        for day, facts in facts_by_day(
            scope=scope, start=period.start, end=period.end, today=today
        ).items()
    }


def weeks_of(period: Period, held_by_day: dict[dt.date, int]) -> list[WeekCount]:
    """Check-ins held per week (Monday to Sunday) over the period, every week listed."""
    weeks: dict[dt.date, int] = {}
    monday = _monday(period.start)
    while monday <= period.end:
        weeks[monday] = 0
        monday += dt.timedelta(days=7)
    for day, held in held_by_day.items():
        if period.start <= day <= period.end:
            weeks[_monday(day)] += held
    return [WeekCount(starts_on=monday, held=held) for monday, held in weeks.items()]


def check_ins_per_week(
    *, scope: Scope, period: Period, today: dt.date | None = None
) -> list[WeekCount]:
    """Check-ins held per week (Monday to Sunday) over the period, every week listed."""
    return weeks_of(period, check_ins_held_by_day(scope=scope, period=period, today=today))


def running_mentorships(scope: Scope, *periods: Period) -> list[int]:
    """Mentorships running in each of `periods` (docs/metrics.md), in one query."""
    counts = (
        Mentorship.objects.for_org(scope.organization)
        .filter(scope.cohort_filter())
        .aggregate(
            **{f"p{n}": Count("pk", filter=running_in(period)) for n, period in enumerate(periods)}
        )
    )
    return [counts[f"p{n}"] for n in range(len(periods))]


def check_ins_of(facts: DayFacts, running: int) -> CheckIns:
    """A period's check-in figures (`analytics.metrics.check_in_figures`) from its facts and
    the mentorships running in it."""
    return CheckIns(
        held=facts.held,
        mentorships=running,
        hours=facts.seconds / 3600,
        ratings=facts.ratings,
        average_rating=facts.rating_total / facts.ratings if facts.ratings else None,
        rating_counts={value: facts.rating_counts[value - 1] for value in range(1, 6)},
    )


def without_jit() -> None:
    """Switch PostgreSQL's JIT compilation off for the rest of the transaction. The
    dashboard's aggregates cost enough for the planner to compile them, and compiling took
    longer than running them (430 ms of a 1.2 s count at 10,000 participants). One query; a
    no-op outside a transaction (the setting would outlive the request) and on SQLite."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
