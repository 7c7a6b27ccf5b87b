"""Thin tasks: the nightly snapshot run only names the day; the service does the rest. The
kept figures' refreshes (analytics.reports, "Kept figures") name a key's kind, organization and
parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from analytics import services
from analytics.dashboard import default_health_params, figures_refresh
from analytics.reports import (
    counts_in_background,
    figures_stale,
    request_refresh,
    viewed_figures,
)
from core.tenancy import for_each_organization
from organizations.models import Organization


# Safe to repeat: each cohort's day is one row, rewritten with the same figures, so beat firing
# twice or a message redelivered after a lost worker leaves one snapshot per cohort and day.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def take_daily_snapshots_task(day: str | None = None) -> None:
    """Nightly: the snapshots of the day that just ended (or of `day`, an ISO date, to fill a
    day the schedule missed), then a refresh of each organization's default dashboard so the
    morning's first admin finds it counted."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    taken = today - dt.timedelta(days=1) if day is None else dt.date.fromisoformat(day)
    written = services.snapshots_take(taken)
    params = default_health_params(today)

    def prewarm(organization: Organization) -> None:
        # A small organization's panel is counted during its first request anyway.
        if counts_in_background(organization.pk):
            request_refresh("health", organization.pk, params)

    for_each_organization(written, prewarm)


# Safe to repeat: a key found current is not counted again, and each organization's figures are
# counted inside its own scope and kept under its own keys.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_figures_task(kind: str, organization_id: int, params: dict[str, Any]) -> None:
    """Count one kept key's figures again (sent by a view that served them old, by the beat
    sweep of viewed keys, or by the nightly prewarm)."""

    def refresh(organization: Organization) -> None:
        figures_refresh(organization=organization, kind=kind, params=params)

    for_each_organization([organization_id], refresh)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_viewed_figures_task() -> None:
    """Every few minutes: one refresh task for each key viewed in the last day whose figures
    are older than the data, so the first viewer after a change usually finds them current.
    Reads the organizations and the cache; the counting happens in the tasks it sends."""
    organization_ids = list(Organization.objects.values_list("pk", flat=True))
    viewed = {pk: viewed_figures(pk) for pk in organization_ids}

    def sweep(organization: Organization) -> None:
        # A small organization's figures are counted during the request that finds them old.
        if not counts_in_background(organization.pk):
            return
        for kind, params in viewed[organization.pk].values():
            if figures_stale(kind, organization.pk, params):
                request_refresh(kind, organization.pk, params)

    for_each_organization([pk for pk in organization_ids if viewed[pk]], sweep)
