"""Reads of the analytics app's own rows: time series from the nightly snapshots, with the
days they do not cover (today, days before the first nightly run) counted live."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.metrics import Period, Scope, held_check_ins
from analytics.models import CohortDaySnapshot


@dataclass(frozen=True)
class WeekCount:
    starts_on: dt.date  # the Monday; the first and last weeks may be cut by the period
    held: int


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def check_ins_held_by_day(
    *, scope: Scope, period: Period, today: dt.date | None = None
) -> dict[dt.date, int]:
    """Check-ins held on each day of the period. Two queries: the snapshots of past days, then
    the days no snapshot covers, counted as docs/metrics.md defines a held check-in."""
    zone = timezone.get_default_timezone()
    today = today or timezone.localdate(timezone=zone)
    days = [period.start + dt.timedelta(days=n) for n in range(period.days)]
    held = dict.fromkeys(days, 0)
    last_past_day = min(period.end, today - dt.timedelta(days=1))
    if last_past_day >= period.start:
        for row in (
            CohortDaySnapshot.objects.for_org(scope.organization)
            .filter(scope.cohort_filter(), day__gte=period.start, day__lte=last_past_day)
            .order_by()
            .values("day")
            .annotate(held=Sum("check_ins_held"))
        ):
            held[row["day"]] = row["held"] or 0
            days.remove(row["day"])
    if days:
        for row in (
            held_check_ins(scope, before=period.ends_at)
            .filter(starts_at__gte=period.starts_at)
            .annotate(day=TruncDate("starts_at", tzinfo=zone))
            .filter(day__in=days)
            .order_by()
            .values("day")
            .annotate(held=Count("pk"))
        ):
            held[row["day"]] = row["held"]
    return held


def check_ins_per_week(
    *, scope: Scope, period: Period, today: dt.date | None = None
) -> list[WeekCount]:
    """Check-ins held per week (Monday to Sunday) over the period, every week listed."""
    weeks: dict[dt.date, int] = {}
    monday = _monday(period.start)
    while monday <= period.end:
        weeks[monday] = 0
        monday += dt.timedelta(days=7)
    for day, held in check_ins_held_by_day(scope=scope, period=period, today=today).items():
        weeks[_monday(day)] += held
    return [WeekCount(starts_on=monday, held=held) for monday, held in weeks.items()]
