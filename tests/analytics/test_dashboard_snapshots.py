"""The dashboard's two paths to the same figures (analytics/selectors.py `facts_by_day`,
analytics/dashboard.py): past days read from the nightly snapshots where every cohort of the
scope has one, the rest counted live, and both give the same panel; and the computed panel
kept under the organization's data version, which every write bumps (served current until then;
tests/analytics/test_freshness.py covers large organizations' background refresh)."""

import dataclasses
import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from analytics.dashboard import (
    PANEL_CACHE_SECONDS,
    ProgramHealth,
    compute_program_health,
    program_health,
)
from analytics.metrics import Period, Scope, check_in_figures
from analytics.models import CohortDaySnapshot
from analytics.reports import KEPT_SECONDS
from analytics.selectors import covered_days, facts_by_day
from analytics.services import snapshots_take
from mentorships.models import CheckIn
from tests.analytics.factories import MARCH_END, MARCH_START, at, build_metrics_world
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db

MARCH = Period(MARCH_START, MARCH_END)
TODAY = dt.date(2025, 4, 30)  # March and its previous period are over: every day can be covered


@pytest.fixture
def world(org):
    return build_metrics_world(org)


def _take(first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        snapshots_take(day)
        day += dt.timedelta(days=1)


def _panel(org, scope_: Scope) -> ProgramHealth:
    with scope(organization=org.pk):
        return compute_program_health(organization=org, scope=scope_, period=MARCH, today=TODAY)


def _figures(health: ProgramHealth) -> dict:
    """Everything the panel shows, without when it was counted."""
    return {
        field.name: getattr(health, field.name)
        for field in dataclasses.fields(health)
        if field.name != "computed_at"
    }


def _held(org, scope_: Scope, *days: int) -> list[int]:
    with scope(organization=org.pk):
        facts = facts_by_day(scope=scope_, start=MARCH_START, end=MARCH_END, today=TODAY)
    return [facts[dt.date(2025, 3, day)].held for day in days]


def _forget_check_ins(org) -> None:
    """Live counts drop to nothing; a day read from its snapshot keeps its figures."""
    with scopes_disabled():
        CheckIn.objects.filter(organization=org).delete()


@pytest.mark.parametrize("whose", ["organization", "program", "cohort"])
def test_snapshots_and_live_counts_give_the_same_panel(org, world, whose):
    scope_ = {
        "organization": Scope(org),
        "program": Scope(org, program_id=world.program.pk),
        "cohort": Scope(org, cohort_id=world.cohort.pk),
    }[whose]
    live = _panel(org, scope_)
    with scope(organization=org.pk):
        defined = check_in_figures(scope=scope_, period=MARCH)

    _take(MARCH.previous().start, MARCH_END)
    with scope(organization=org.pk):
        covered = covered_days(scope=scope_, start=MARCH_START, end=MARCH_END, today=TODAY)
    from_snapshots = _panel(org, scope_)

    assert all(covered.values())  # every day of March needs (and has) its cohorts' snapshots
    assert _figures(from_snapshots) == _figures(live)
    # … and the same as the metric's own definition, counted live from the check-ins.
    assert from_snapshots.check_ins == defined
    # The hand-computed figures (tests/analytics/factories.py), through the snapshots.
    if whose == "program":
        assert from_snapshots.check_ins.held == 3
        assert from_snapshots.check_ins.hours == pytest.approx(3.0)
        assert from_snapshots.check_ins.rating_counts == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
        assert sum(w.held for w in from_snapshots.weeks) == 3


def test_a_covered_day_is_read_from_its_snapshots(org, world):
    _take(MARCH_START, MARCH_END)
    _forget_check_ins(org)

    # CI1 (10 March), CI5 (12 March), CI2 (28 March) as the nights counted them.
    assert _held(org, Scope(org), 10, 12, 28) == [1, 1, 1]


def test_a_day_without_a_snapshot_of_every_cohort_of_the_scope_is_counted_live(org, world):
    _take(MARCH_START, MARCH_END)
    with scopes_disabled():
        CohortDaySnapshot.objects.filter(
            cohort=world.other_cohort, day=dt.date(2025, 3, 10)
        ).delete()
    _forget_check_ins(org)

    # The organization has both cohorts: 10 March lacks Autumn's row, so it is counted live.
    assert _held(org, Scope(org), 10, 12) == [0, 1]
    # Bridges holds Spring alone, whose snapshot of 10 March is there.
    assert _held(org, Scope(org, program_id=world.program.pk), 10, 12) == [1, 1]


def test_today_and_days_before_the_first_snapshot_are_counted_live(org, world):
    _take(dt.date(2025, 3, 11), MARCH_END)
    with scope(organization=org.pk):
        covered = covered_days(
            scope=Scope(org), start=MARCH_START, end=MARCH_END, today=dt.date(2025, 3, 28)
        )

    assert covered[dt.date(2025, 3, 10)] == 0  # no cohort's snapshots had begun: live
    assert covered[dt.date(2025, 3, 11)] == 2
    assert dt.date(2025, 3, 28) not in covered  # today is never read from a snapshot
    # The 28th is live, as today; the 10th too, before the first snapshot.
    with scope(organization=org.pk):
        facts = facts_by_day(
            scope=Scope(org), start=MARCH_START, end=MARCH_END, today=dt.date(2025, 3, 28)
        )
    assert facts[dt.date(2025, 3, 10)].held == 1


def test_snapshots_taken_before_the_dashboard_s_facts_existed_do_not_cover(org, world):
    _take(MARCH_START, MARCH_END)
    with scopes_disabled():
        CohortDaySnapshot.objects.filter(organization=org, day=dt.date(2025, 3, 12)).update(
            seconds_mentored=None
        )
    _forget_check_ins(org)

    assert _held(org, Scope(org), 10, 12) == [1, 0]


def test_a_cohort_whose_snapshots_begin_later_leaves_earlier_days_covered(org, world):
    _take(MARCH_START, MARCH_END)
    newcomer = CohortFactory(program=world.program)
    snapshots_take(MARCH_END)  # its first night
    _forget_check_ins(org)

    program = Scope(org, program_id=world.program.pk)
    with scope(organization=org.pk):
        covered = covered_days(scope=program, start=MARCH_START, end=MARCH_END, today=TODAY)
    assert covered[dt.date(2025, 3, 30)] == 1
    assert covered[MARCH_END] == 2
    assert _held(org, program, 10, 28) == [1, 1]
    assert newcomer.pk


def test_a_snapshot_freezes_its_day_while_live_days_follow_the_data(org, world):
    _take(MARCH_START, dt.date(2025, 3, 20))
    with scopes_disabled():
        CheckIn.objects.filter(organization=org, starts_at=at(3, 10, 10)).update(
            ends_at=at(3, 10, 12)
        )
        CheckIn.objects.filter(organization=org, starts_at=at(3, 28, 10)).update(
            ends_at=at(3, 28, 12)
        )
    with scope(organization=org.pk):
        facts = facts_by_day(scope=Scope(org), start=MARCH_START, end=MARCH_END, today=TODAY)

    assert facts[dt.date(2025, 3, 10)].seconds == 3600  # as the night counted it
    assert facts[dt.date(2025, 3, 28)].seconds == 2 * 3600  # no snapshot yet: as it is now


def test_the_panel_costs_the_same_queries_with_more_days_and_check_ins(org, world):
    _take(MARCH.previous().start, MARCH_END)
    with CaptureQueriesContext(connection) as small:
        _panel(org, Scope(org))
    with scopes_disabled():
        check_in = CheckIn.objects.filter(organization=org).first()
        for n in range(10):
            CheckIn.objects.create(
                organization=org,
                mentorship=check_in.mentorship,
                organizer=check_in.organizer,
                starts_at=at(3, 2 + n, 8),
                ends_at=at(3, 2 + n, 9),
                time_zone="UTC",
                ical_uid=f"more-{n}@test",
            )
    _take(MARCH_START, MARCH_END)
    with CaptureQueriesContext(connection) as large:
        large_panel = _panel(org, Scope(org))

    assert len(large) == len(small)
    assert large_panel.check_ins.held == 13


# --- The cached panel ----------------------------------------------------------------------------


def _cached(org, scope_: Scope) -> ProgramHealth:
    with scope(organization=org.pk):
        return program_health(organization=org, scope=scope_, period=MARCH, today=TODAY)


def test_a_computed_panel_is_served_without_a_query_until_a_write(org, world):
    first = _cached(org, Scope(org))
    with CaptureQueriesContext(connection) as again:
        second = _cached(org, Scope(org))

    assert len(again) == 0
    assert second.computed_at == first.computed_at
    assert _figures(second) == _figures(first)

    with scopes_disabled():
        CheckIn.objects.filter(organization=org, starts_at=at(3, 10, 10)).delete()
    after_write = _cached(org, Scope(org))

    assert after_write.computed_at > first.computed_at
    assert after_write.check_ins.held == first.check_ins.held - 1


def test_another_organization_s_writes_leave_the_panel_cached(org, other_org, world):
    build_metrics_world(other_org)
    first = _cached(org, Scope(org))

    with scopes_disabled():
        CheckIn.objects.filter(organization=other_org).delete()

    assert _cached(org, Scope(org)).computed_at == first.computed_at


def test_each_scope_and_period_has_its_own_panel(org, world):
    whole = _cached(org, Scope(org))
    program = _cached(org, Scope(org, program_id=world.program.pk))

    assert whole.scope != program.scope
    assert whole.funnel.invited == 7 and program.funnel.invited == 6


def test_a_kept_panel_is_current_at_most_the_panel_lifetime_and_kept_longer(
    org, world, monkeypatch
):
    lifetimes = []
    real_set = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        if str(key).startswith("analytics:figures:health"):
            lifetimes.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    first = _cached(org, Scope(org))
    assert lifetimes == [KEPT_SECONDS]
    assert 0 < PANEL_CACHE_SECONDS <= 15 * 60 < KEPT_SECONDS

    # Past its lifetime without any write (a bulk update, the clock alone), it is counted again.
    later = timezone.now() + dt.timedelta(seconds=PANEL_CACHE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _cached(org, Scope(org)).computed_at > first.computed_at
