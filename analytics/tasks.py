"""Thin tasks: the nightly snapshot run only names the day; the service does the rest."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from analytics import services


# Safe to repeat: each cohort's day is one row, rewritten with the same figures, so beat firing
# twice or a message redelivered after a lost worker leaves one snapshot per cohort and day.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def take_daily_snapshots_task(day: str | None = None) -> None:
    """Nightly: the snapshots of the day that just ended (or of `day`, an ISO date, to fill a
    day the schedule missed)."""
    if day is None:
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        taken = today - dt.timedelta(days=1)
    else:
        taken = dt.date.fromisoformat(day)
    services.snapshots_take(taken)
